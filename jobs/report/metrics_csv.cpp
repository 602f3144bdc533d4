// Column-wise reading of metrics CSV files (metrics_csv.h).
#include "jobs/report/metrics_csv.h"

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace curvlab {
namespace {
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string cell;
  while (std::getline(s, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

double to_number(const std::string& cell) {
  const char* begin = cell.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);  // accepts nan, inf, -inf
  if (end == begin || *end != '\0') return std::numeric_limits<double>::quiet_NaN();
  return v;
}
}  // namespace

std::size_t MetricsCsv::rows() const { return columns.empty() ? 0 : columns.begin()->second.size(); }

std::vector<double> MetricsCsv::column(const std::string& name) const {
  const auto it = columns.find(name);
  if (it != columns.end()) return it->second;
  return std::vector<double>(rows(), std::numeric_limits<double>::quiet_NaN());
}

MetricsCsv read_metrics_csv(const std::string& path) {
  MetricsCsv csv;
  std::ifstream f(path);
  if (!f) return csv;
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const bool complete_last_line = !text.empty() && text.back() == '\n';
  std::vector<std::string> lines;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  if (lines.empty()) return csv;
  csv.header = split(lines[0]);
  for (const std::string& name : csv.header) csv.columns[name];
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (i + 1 == lines.size() && !complete_last_line) break;  // cut off mid-write
    const std::vector<std::string> cells = split(lines[i]);
    if (cells.size() != csv.header.size()) continue;
    for (std::size_t c = 0; c < cells.size(); ++c) csv.columns[csv.header[c]].push_back(to_number(cells[c]));
  }
  return csv;
}

}  // namespace curvlab
