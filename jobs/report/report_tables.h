// The tables of a sweep report: steps_to_target.{csv,md} (one row per optimizer and batch size),
// settings.csv (every setting of every group), runs.csv (every run, with its state) and summary.md
// (what a researcher reads first). Columns and rules: docs/report.md. Not for: plots (report_plots.h).
#pragma once

#include <string>

#include "algorithms/scaling/study.h"
#include "jobs/report/sweep_reader.h"

namespace curvlab {

// A number as the tables write it: up to 6 significant digits; "nan", "inf" as such.
std::string report_number(double v);

// The key table as Markdown (also printed by `curvlab report`).
std::string steps_to_target_markdown(const StudyResult& study);

// Writes the four files into `out_dir` (created if needed). `plots_note` goes into summary.md
// (which plots exist, or why there are none).
void write_report_tables(const SweepData& sweep, const StudyResult& study, const std::string& out_dir,
                         const std::string& plots_note);

}  // namespace curvlab
