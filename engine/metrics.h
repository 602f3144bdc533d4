// Metrics of a run: one row per training step and one per evaluation, plus tables that hooks add
// (snapshot-ensemble cycles, curvature tracking); kept in memory, saved in checkpoints (so resume
// restores them) and written to results.h5 and CSV files. Not for: printing progress (engine/progress.h).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/state_io.h"

namespace curvlab {

// A table of named double columns, all of equal length.
class MetricTable : public Stateful {
 public:
  explicit MetricTable(std::vector<std::string> columns);
  void append(const std::vector<double>& row);  // one value per column, in column order
  std::size_t rows() const { return rows_; }
  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<double>& column(const std::string& name) const;
  // CSV text: header line, then one line per row.
  std::string to_csv() const;
  std::string csv_row(std::size_t row) const;
  std::string csv_header() const;
  void save_state(StateWriter& out, const std::string& prefix) const override;
  void load_state(const StateReader& in, const std::string& prefix) override;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> data_;
  std::size_t rows_ = 0;
};

// The tables of a training run. steps and evals are always saved; every other table only once it
// has a row (so files of runs that never use it are unchanged).
struct RunMetrics : public Stateful {
  RunMetrics();
  // step, epoch, loss, accuracy, lr, batch_size, samples_per_s, wall_time, grad_sq_norm, trace_sigma,
  // noise_scale (the task's columns after epoch; the last three NaN unless the noise scale is measured)
  MetricTable steps;
  MetricTable evals;  // step, epoch, train_loss, test_loss, test_accuracy, wall_time
  // cyclical batch schedules, one row per cycle end: cycle, step, epoch, batch_size, test_loss,
  // test_accuracy (the snapshot alone), ensemble_size, ensemble_loss, ensemble_accuracy
  MetricTable snapshots;

  // A further table, saved under "<prefix>/<group>" and written to <run>/<csv_name> (tables added
  // by hooks, e.g. "hessian_tracking"). References stay valid.
  MetricTable& add_table(const std::string& group, const std::string& csv_name, std::vector<std::string> columns);
  struct Extra {
    std::string group, csv_name;
    MetricTable table;
  };
  const std::deque<Extra>& extras() const { return extras_; }

  void save_state(StateWriter& out, const std::string& prefix) const override;
  void load_state(const StateReader& in, const std::string& prefix) override;

 private:
  std::deque<Extra> extras_;
};

// Appends rows to <dir>/metrics_steps.csv and <dir>/metrics_evals.csv (and metrics_snapshots.csv and
// the further tables' files once they have a row) as a run goes; on start it rewrites them from the
// metrics restored so far (so a resumed run has no duplicate rows).
class CsvSink {
 public:
  CsvSink(std::string dir, const RunMetrics& metrics);
  void flush_new_rows();  // writes rows appended since the last call
 private:
  struct File {
    std::string path;
    const MetricTable* table;
    bool always;               // written even while empty (header only)
    std::size_t written = 0;
  };
  std::vector<File> files_;
};

}  // namespace curvlab
