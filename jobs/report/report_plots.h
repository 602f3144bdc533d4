// The plots of a sweep report, drawn by gnuplot (PNG + SVG, scripts kept in sweep_plots.gp):
// steps to target vs batch size (log-log, one line per optimizer, dashed perfect-scaling lines),
// epochs to target vs batch size, hyperparameter sensitivity vs batch size, and per optimizer the
// target metric over steps of each batch size's best run. How to read them: docs/report.md.
// Not for: the numbers (study.h) or the tables (report_tables.h).
#pragma once

#include <string>
#include <vector>

#include "algorithms/scaling/study.h"

namespace curvlab {

struct PlotsResult {
  bool drawn = false;              // gnuplot ran and succeeded
  std::vector<std::string> plots;  // plot names (each NAME.png and NAME.svg when drawn)
  std::string note;                // one line for summary.md
};

// Writes the .dat files and sweep_plots.gp into out_dir and runs gnuplot there.
PlotsResult write_sweep_plots(const StudyResult& study, const std::string& out_dir);

}  // namespace curvlab
