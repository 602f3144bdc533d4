// Reads a run's metrics CSV (metrics_steps.csv, metrics_evals.csv) by column name, for reports.
// Tolerant of what a live or crashed run leaves: columns added by later versions or missing from
// older ones, "nan"/"inf" values, an empty file, and a last line cut off mid-write (dropped).
// Not for: writing metrics (engine/metrics.h).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace curvlab {

struct MetricsCsv {
  std::vector<std::string> header;
  std::map<std::string, std::vector<double>> columns;  // every column has rows() values
  std::size_t rows() const;
  bool has(const std::string& column) const { return columns.count(column) > 0; }
  // The column's values, or rows() NaNs when the file has no such column.
  std::vector<double> column(const std::string& name) const;
};

// An absent file gives an empty table (no header). Cells that are not numbers read as NaN.
MetricsCsv read_metrics_csv(const std::string& path);

}  // namespace curvlab
