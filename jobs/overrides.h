// Applies command-line overrides ("--set train.lr=0.05") to a parsed job-file table.
// Internal to job-file parsing (includes toml++): include only from jobs/*.cpp. Validation of the
// overridden values is the section readers' job, so an override is checked exactly like the file.
#pragma once

#include <toml++/toml.h>

#include <map>
#include <string>
#include <vector>

#include "jobs/job_spec.h"

namespace curvlab {

// One "dotted.key=value" string split into its key path and its TOML value. The value is read as
// a TOML value ("0.05", "true", "[64, 32]", "\"text\"") and, when it is not one, as a bare string
// ("mnist", "runs/x"). Throws ConfigError for a missing '=' or an empty key part.
struct Override {
  std::string text;               // as given, e.g. "train.lr=0.05"
  std::vector<std::string> path;  // {"train", "lr"}
  std::string dotted;             // "train.lr"
  std::string raw_value;          // the text after '=', trimmed
  toml::table value_holder;       // holds the parsed value under the key "v"
};
Override parse_override(const std::string& text);

// Writes each override into `root` (later ones win), creating missing tables, and records for each
// dotted key it wrote (and each table it created) the location "--set <text>", and in `raw_values`
// the value's text as given (so a key that takes a string accepts "--set job.name=2024"). Throws
// ConfigError when a key path runs through a value that is not a table.
void apply_overrides(toml::table& root, const std::vector<std::string>& overrides,
                     std::map<std::string, SourceLocation>& locations,
                     std::map<std::string, std::string>& raw_values);

}  // namespace curvlab
