// Small helpers of the plain job structs: printing a source location, looking one up by key, and
// comparing two jobs by their resolved values.
// Not for: parsing or validation (jobs/job_parser.cpp).
#include "jobs/job_spec.h"

#include <algorithm>

namespace curvlab {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  std::string s = file + ":" + std::to_string(line);
  if (column > 0) s += ":" + std::to_string(column);
  return s;
}

SourceLocation JobSpec::where(const std::string& dotted_key) const {
  auto it = locations.find(dotted_key);
  if (it != locations.end()) return it->second;
  SourceLocation loc;
  loc.file = source_path;
  return loc;
}

std::vector<std::string> resolved_differences(const JobSpec& before, const JobSpec& now,
                                              const std::vector<std::string>& ignore) {
  std::map<std::string, std::pair<std::string, std::string>> keys;  // key -> (before, now)
  for (const auto& [k, v] : before.resolved) keys[k].first = v;
  for (const auto& [k, v] : now.resolved) keys[k].second = v;
  std::vector<std::string> out;
  for (const auto& [k, values] : keys) {
    if (std::find(ignore.begin(), ignore.end(), k) != ignore.end()) continue;
    if (values.first == values.second) continue;
    const auto shown = [](const std::string& v) { return v.empty() ? std::string("(unset)") : v; };
    out.push_back(k + ": " + shown(values.first) + " -> " + shown(values.second));
  }
  return out;
}

}  // namespace curvlab
