// Metric tables: append, CSV rendering, (de)serialisation as one float64 dataset per column.
#include "engine/metrics.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/error.h"

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

void RunMetrics::save_state(StateWriter& out, const std::string& prefix) const {
  steps.save_state(out, prefix + "/step");
  evals.save_state(out, prefix + "/eval");
  if (snapshots.rows() > 0) snapshots.save_state(out, prefix + "/snapshot");
}

void RunMetrics::load_state(const StateReader& in, const std::string& prefix) {
  steps.load_state(in, prefix + "/step");
  evals.load_state(in, prefix + "/eval");
  if (in.has(prefix + "/snapshot/cycle")) snapshots.load_state(in, prefix + "/snapshot");
}

namespace {
void write_file(const std::string& path, const std::string& text, bool append) {
  std::ofstream f(path, append ? std::ios::app : std::ios::trunc);
  CURVLAB_CHECK(f.good(), IoError, "cannot write " + path + ": check that the output directory is writable");
  f << text;
  CURVLAB_CHECK(f.good(), IoError, "write to " + path + " failed (disk full?)");
}
}  // namespace

CsvSink::CsvSink(std::string dir, const RunMetrics& metrics)
    : steps_path_(dir + "/metrics_steps.csv"), evals_path_(dir + "/metrics_evals.csv"),
      snapshots_path_(dir + "/metrics_snapshots.csv"), metrics_(metrics) {
  write_file(steps_path_, metrics_.steps.to_csv(), false);
  write_file(evals_path_, metrics_.evals.to_csv(), false);
  if (metrics_.snapshots.rows() > 0) write_file(snapshots_path_, metrics_.snapshots.to_csv(), false);
  steps_written_ = metrics_.steps.rows();
  evals_written_ = metrics_.evals.rows();
  snapshots_written_ = metrics_.snapshots.rows();
}

void CsvSink::flush_new_rows() {
  std::string s, e, c;
  for (; steps_written_ < metrics_.steps.rows(); ++steps_written_) s += metrics_.steps.csv_row(steps_written_);
  for (; evals_written_ < metrics_.evals.rows(); ++evals_written_) e += metrics_.evals.csv_row(evals_written_);
  if (snapshots_written_ == 0 && metrics_.snapshots.rows() > 0) c = metrics_.snapshots.csv_header();
  for (; snapshots_written_ < metrics_.snapshots.rows(); ++snapshots_written_) {
    c += metrics_.snapshots.csv_row(snapshots_written_);
  }
  if (!s.empty()) write_file(steps_path_, s, true);
  if (!e.empty()) write_file(evals_path_, e, true);
  if (!c.empty()) write_file(snapshots_path_, c, true);
}

}  // namespace curvlab
