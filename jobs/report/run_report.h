// The report of a single training run: its curves (loss, test accuracy, learning rate, batch size,
// gradient noise scale vs step) as gnuplot plots (run_plots.gp, PNG + SVG) and a short summary.md
// (final and best metrics, target reached or not). Not for: sweeps (report.h).
#pragma once

#include <string>

#include "algorithms/scaling/target.h"

namespace curvlab {

struct RunReport {
  std::string summary_markdown;  // also written to out_dir/summary.md
  bool plots_drawn = false;
};

// `override_target` (when set) replaces the run's own train.target_* from its job.toml.
RunReport write_run_report(const std::string& run_dir, const std::string& out_dir, const Target& override_target);

}  // namespace curvlab
