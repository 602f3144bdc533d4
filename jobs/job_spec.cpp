// Small helpers of the plain job structs: printing a source location and looking one up by key.
// Not for: parsing or validation (jobs/job_parser.cpp).
#include "jobs/job_spec.h"

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

}  // namespace curvlab
