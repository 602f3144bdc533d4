// `curvlab report DIR`: the entry point that tells a sweep directory from a run directory and writes
// the matching report (tables, summary, plots) into DIR/report/ or a chosen directory.
// Not for: the statistics (algorithms/scaling/) or any single output format (report_*.h, run_report.h).
#pragma once

#include <string>

#include "algorithms/scaling/target.h"

namespace curvlab {

struct ReportOptions {
  Target target;        // overrides the runs' train.target_* when set
  std::string out_dir;  // "" = DIR/report
};

struct ReportOutcome {
  std::string kind;      // "sweep" | "run"
  std::string out_dir;
  std::string text;      // what `curvlab report` prints: where the report went and the key table
};

// Throws ConfigError when `dir` is neither a sweep (sweep.tsv) nor a run (job.toml, status or
// metrics_steps.csv), or when a sweep has no known target (see read_sweep).
ReportOutcome make_report(const std::string& dir, const ReportOptions& options);

}  // namespace curvlab
