// Progress output of rank 0: a one-line progress bar with throughput and ETA on a terminal,
// otherwise one plain log line every N seconds. Not for: metrics storage (engine/metrics.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace curvlab {

class ProgressReporter {
 public:
  // total_steps: the planned number of steps (0 if unknown); tty: draw a bar on stderr.
  ProgressReporter(bool enabled, bool tty, double log_every_seconds, std::int64_t total_steps);
  void update(std::int64_t step, double epoch, double loss, double accuracy, double lr, double samples_per_s);
  // For work that is not training (e.g. a simulation): "step a/b <detail>" with elapsed time and ETA.
  void update_status(std::int64_t step, const std::string& detail);
  // A full line (e.g. evaluation results); clears the bar first.
  void message(const std::string& line);
  void finish();

 private:
  bool enabled_, tty_;
  double log_every_;
  std::int64_t total_;
  std::chrono::steady_clock::time_point start_, last_log_;
  bool bar_drawn_ = false;
  std::int64_t first_step_ = -1;
};

// True when stderr is a terminal.
bool stderr_is_tty();

}  // namespace curvlab
