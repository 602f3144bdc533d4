// Reading a sweep directory's runs into one table (see sweep_status.h).
#include "jobs/sweep/sweep_status.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "algorithms/scaling/target.h"
#include "base/error.h"
#include "jobs/job_parser.h"
#include "jobs/sweep/sweep_expand.h"

namespace curvlab {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

// Best test accuracy and the first step that met the target, from metrics_evals.csv
// (header step,epoch,train_loss,test_loss,test_accuracy,wall_time; nan/inf accepted).
void read_evals(const std::string& path, const std::string& metric, double target, SweepRunStatus& s) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return;
  const std::vector<std::string> header = split(line, ',');
  const auto column = [&](const std::string& name) {
    return static_cast<int>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const int step_col = column("step"), acc_col = column("test_accuracy");
  const int metric_col = metric.empty() ? -1 : column(metric);
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split(line, ',');
    if (step_col >= static_cast<int>(f.size())) continue;
    const long long step = std::atoll(f[step_col].c_str());
    if (acc_col < static_cast<int>(f.size())) {
      const double acc = std::strtod(f[acc_col].c_str(), nullptr);
      if (std::isfinite(acc) && (std::isnan(s.best_accuracy) || acc > s.best_accuracy)) {
        s.best_accuracy = acc;
        s.best_step = step;
      }
    }
    if (metric_col >= 0 && metric_col < static_cast<int>(f.size()) && s.target_step < 0) {
      const double v = std::strtod(f[metric_col].c_str(), nullptr);
      const bool met = higher_is_better(metric) ? v >= target : v <= target;  // nan never meets it
      if (std::isfinite(v) && met) s.target_step = step;
    }
  }
}

}  // namespace

bool holds_sweep(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / kSweepTableName, ec);
}

SweepStatus collect_sweep_states(const std::string& sweep_dir, const SlurmQuery& query) {
  SweepStatus status;
  status.sweep_dir = sweep_dir;
  const std::string table = (fs::path(sweep_dir) / kSweepTableName).string();
  std::ifstream in(table);
  std::string line;
  CURVLAB_CHECK(in && std::getline(in, line), IoError, "cannot read " + table + " (is " + sweep_dir + " a sweep directory?)");
  const std::vector<std::string> header = split(line, '\t');
  CURVLAB_CHECK(header.size() >= 3 && header[0] == "id" && header[1] == "run_dir", IoError,
                table + ": unexpected header '" + line + "' (expected id<TAB>run_dir<TAB>job_file<TAB>keys...)");
  status.keys.assign(header.begin() + 3, header.end());
  std::vector<std::string> dirs;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> f = split(line, '\t');
    if (f.size() < 3) continue;
    SweepRunStatus r;
    r.id = f[0];
    r.values.assign(f.begin() + 3, f.end());
    r.values.resize(status.keys.size());
    dirs.push_back((fs::path(sweep_dir) / f[1]).string());
    status.runs.push_back(r);
  }
  try {  // the target, when sweep.toml still parses (status must work whatever the file says now)
    const JobSpec spec = load_job_file((fs::path(sweep_dir) / kSweepFileName).string());
    status.target_metric = spec.sweep.target_metric;
    status.target_value = spec.sweep.target_value;
    if (status.target_metric.empty()) {  // a target written in the base file's [train]
      status.target_metric = spec.train.target_metric;
      status.target_value = spec.train.target_value;
    }
  } catch (const Error&) {
  }
  const std::vector<RunState> states = collect_run_states(dirs, query);
  for (std::size_t i = 0; i < states.size(); ++i) {
    SweepRunStatus& r = status.runs[i];
    r.run = states[i];
    if (r.run.state == "failed" && r.run.detail.find("diverged") != std::string::npos) r.run.state = "diverged";
    if (!r.run.resume_hint.empty()) {  // a sweep's runs resume when the sweep runs again
      r.run.resume_hint = "run the sweep again to resume it: curvlab run SWEEP_FILE (as run: " +
                          (fs::path(sweep_dir) / kSweepFileName).string() + ")";
    }
    read_evals(r.run.run_dir + "/metrics_evals.csv", status.target_metric, status.target_value, r);
  }
  return status;
}

void print_text_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                      std::ostream& out) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  const auto print_row = [&](const std::vector<std::string>& row) {
    std::string text;
    for (std::size_t c = 0; c < header.size(); ++c) {
      std::string cell = c < row.size() ? row[c] : "";
      if (c + 1 < header.size()) cell.resize(width[c], ' ');
      text += (c ? "  " : "") + cell;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

int print_sweep_states(const SweepStatus& status, std::ostream& out) {
  std::vector<std::string> header = {"id", "state", "step", "best_acc"};
  if (!status.target_metric.empty()) {
    std::ostringstream t;
    t << "target_step(" << status.target_metric << (higher_is_better(status.target_metric) ? ">=" : "<=")
      << status.target_value << ")";
    header.push_back(t.str());
  }
  header.insert(header.end(), status.keys.begin(), status.keys.end());
  std::vector<std::vector<std::string>> rows;
  std::map<std::string, int> counts;
  int open = 0;
  for (const SweepRunStatus& r : status.runs) {
    std::ostringstream acc;
    if (!std::isnan(r.best_accuracy)) acc << std::fixed << std::setprecision(4) << r.best_accuracy;
    std::vector<std::string> row = {r.id, r.run.state, r.run.step >= 0 ? std::to_string(r.run.step) : "-",
                                    std::isnan(r.best_accuracy) ? "-" : acc.str()};
    if (!status.target_metric.empty()) row.push_back(r.target_step >= 0 ? std::to_string(r.target_step) : "-");
    row.insert(row.end(), r.values.begin(), r.values.end());
    rows.push_back(row);
    ++counts[r.run.state];
    if (r.run.state != "done" && r.run.state != "diverged") ++open;
  }
  out << "sweep " << status.sweep_dir << " (runs in " << status.sweep_dir << "/runs/<id>):\n";
  print_text_table(header, rows, out);
  out << status.runs.size() << " run(s):";
  for (const auto& [state, n] : counts) out << " " << n << " " << state << ";";
  out << "\n";
  for (const SweepRunStatus& r : status.runs) {
    if (r.run.state != "done" && r.run.state != "not started") {
      std::string detail = r.run.detail;
      if (r.run.state == "running" && r.run.samples_per_s > 0 && detail.find("samples/s") == std::string::npos) {
        std::ostringstream rate;
        rate << std::fixed << std::setprecision(0) << r.run.samples_per_s << " samples/s";
        detail = rate.str() + (detail.empty() ? "" : "; " + detail);
      }
      if (!detail.empty()) out << r.id << ": " << detail << "\n";
      if (!r.run.resume_hint.empty()) out << r.id << ": " << r.run.resume_hint << "\n";
    } else if (!r.run.slurm_id.empty() && !r.run.detail.empty()) {
      out << r.id << ": " << r.run.detail << "\n";
    }
    if (r.run.log_tail.empty()) continue;
    out << r.id << " failed; end of its log " << r.run.log_tail.front() << ":\n";
    for (std::size_t i = 1; i < r.run.log_tail.size(); ++i) out << "  " << r.run.log_tail[i] << "\n";
  }
  return open;
}

}  // namespace curvlab
