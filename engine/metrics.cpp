// Metric tables: append, CSV rendering, (de)serialisation as one float64 dataset per column.
#include "engine/metrics.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"

namespace curvlab {

MetricTable::MetricTable(std::vector<std::string> columns) : columns_(std::move(columns)), data_(columns_.size()) {}

void MetricTable::append(const std::vector<double>& row) {
  CURVLAB_CHECK(row.size() == columns_.size(), Error,
                "metric row has " + std::to_string(row.size()) + " values for " + std::to_string(columns_.size()) +
                    " columns");
  for (std::size_t i = 0; i < row.size(); ++i) data_[i].push_back(row[i]);
  ++rows_;
}

const std::vector<double>& MetricTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return data_[i];
  }
  CURVLAB_THROW(Error, "no metric column '" + name + "'");
}

std::string MetricTable::csv_header() const {
  std::string h;
  for (std::size_t i = 0; i < columns_.size(); ++i) h += (i ? "," : "") + columns_[i];
  return h + "\n";
}

std::string MetricTable::csv_row(std::size_t row) const {
  std::string line;
  char buf[64];
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%.9g", data_[i][row]);
    line += (i ? "," : "") + std::string(buf);
  }
  return line + "\n";
}

std::string MetricTable::to_csv() const {
  std::string out = csv_header();
  for (std::size_t r = 0; r < rows_; ++r) out += csv_row(r);
  return out;
}

void MetricTable::save_state(StateWriter& out, const std::string& prefix) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    auto t = torch::from_blob(const_cast<double*>(data_[i].data()), {static_cast<int64_t>(rows_)}, torch::kFloat64);
    out.write_tensor(prefix + "/" + columns_[i], t);
  }
}

void MetricTable::load_state(const StateReader& in, const std::string& prefix) {
  // Columns added in later versions (absent from older checkpoints) are filled with NaN; the first
  // column must be there.
  CURVLAB_CHECK(in.has(prefix + "/" + columns_[0]), IoError,
                "metric table " + prefix + " is missing its column '" + columns_[0] + "'");
  std::size_t n = 0;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const std::string path = prefix + "/" + columns_[i];
    if (i > 0 && !in.has(path)) {
      data_[i].assign(n, std::nan(""));
      continue;
    }
    torch::Tensor t = in.read_tensor(path).to(torch::kFloat64).contiguous();
    if (i == 0) n = static_cast<std::size_t>(t.numel());
    CURVLAB_CHECK(static_cast<std::size_t>(t.numel()) == n, IoError,
                  "metric column " + path + " has a different length than the others");
    data_[i].assign(t.data_ptr<double>(), t.data_ptr<double>() + n);
  }
  rows_ = n;
}

RunMetrics::RunMetrics()
    : steps({"step", "epoch", "loss", "accuracy", "lr", "batch_size", "samples_per_s", "wall_time", "grad_sq_norm",
             "trace_sigma", "noise_scale"}),
      evals({"step", "epoch", "train_loss", "test_loss", "test_accuracy", "wall_time"}),
      snapshots({"cycle", "step", "epoch", "batch_size", "test_loss", "test_accuracy", "ensemble_size",
                 "ensemble_loss", "ensemble_accuracy"}) {}

MetricTable& RunMetrics::add_table(const std::string& group, const std::string& csv_name,
                                   std::vector<std::string> columns) {
  extras_.push_back({group, csv_name, MetricTable(std::move(columns))});
  return extras_.back().table;
}

void RunMetrics::save_state(StateWriter& out, const std::string& prefix) const {
  steps.save_state(out, prefix + "/step");
  evals.save_state(out, prefix + "/eval");
  if (snapshots.rows() > 0) snapshots.save_state(out, prefix + "/snapshot");
  for (const auto& e : extras_) {
    if (e.table.rows() > 0) e.table.save_state(out, prefix + "/" + e.group);
  }
}

void RunMetrics::load_state(const StateReader& in, const std::string& prefix) {
  steps.load_state(in, prefix + "/step");
  evals.load_state(in, prefix + "/eval");
  if (in.has(prefix + "/snapshot/cycle")) snapshots.load_state(in, prefix + "/snapshot");
  for (auto& e : extras_) {
    if (in.has(prefix + "/" + e.group + "/" + e.table.columns().front())) e.table.load_state(in, prefix + "/" + e.group);
  }
}

namespace {
void write_file(const std::string& path, const std::string& text, bool append) {
  std::ofstream f(path, append ? std::ios::app : std::ios::trunc);
  CURVLAB_CHECK(f.good(), IoError, "cannot write " + path + ": check that the output directory is writable");
  f << text;
  CURVLAB_CHECK(f.good(), IoError, "write to " + path + " failed (disk full?)");
}
}  // namespace

CsvSink::CsvSink(std::string dir, const RunMetrics& metrics) {
  files_.push_back({dir + "/metrics_steps.csv", &metrics.steps, true});
  files_.push_back({dir + "/metrics_evals.csv", &metrics.evals, true});
  files_.push_back({dir + "/metrics_snapshots.csv", &metrics.snapshots, false});
  for (const auto& e : metrics.extras()) files_.push_back({dir + "/" + e.csv_name, &e.table, false});
  for (auto& f : files_) {
    if (f.always || f.table->rows() > 0) {
      write_file(f.path, f.table->to_csv(), false);
    } else {
      std::filesystem::remove(f.path);  // rows of a run segment after its last checkpoint
    }
    f.written = f.table->rows();
  }
}

void CsvSink::flush_new_rows() {
  for (auto& f : files_) {
    std::string text;
    if (f.written == 0 && !f.always && f.table->rows() > 0) text = f.table->csv_header();
    for (; f.written < f.table->rows(); ++f.written) text += f.table->csv_row(f.written);
    if (!text.empty()) write_file(f.path, text, true);
  }
}

}  // namespace curvlab
