// Shared by the sweep tests: a base job file, expanding a sweep text, the ConfigError message of a
// bad one, and a run's swept values as a map.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "jobs/job_parser.h"
#include "jobs/sweep/sweep_expand.h"

namespace curvlab::sweep_test {

inline const std::string kBase = R"(
[job]
name = "s"
output_dir = "sweeps/s"
seed = 1
[data]
dataset = "synthetic"
[model]
name = "mlp"
[train]
batch_size = 128
lr = 0.1
)";

inline SweepPlan expand(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return expand_sweep(parse_job_text(text, "sweep.toml", overrides), overrides);
}

inline std::string error_of(const std::string& text) {
  try {
    expand(text);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "<no error>";
}

inline std::map<std::string, std::string> values_of(const SweepRun& r) {
  return std::map<std::string, std::string>(r.values.begin(), r.values.end());
}

}  // namespace curvlab::sweep_test
