// libFuzzer target: what `curvlab validate` does with a job file of arbitrary bytes, minus the disk.
// The input is the job file's text; bytes after the first NUL, if any, are --set overrides, one a
// line. It is parsed (parse_job_text: TOML, every section, every rule) and, for a sweep, expanded
// into its runs (expand_sweep parses each run again). check_job_resources is left out: it opens
// data.root, i.e. a path the input chooses. The only error allowed is ConfigError; anything else
// (another exception, a crash, a sanitizer report, a hang) is a finding. Built by tests/fuzz/CMakeLists.txt.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "jobs/job_parser.h"
#include "jobs/sweep/sweep_expand.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string text = input.substr(0, nul);
  std::vector<std::string> overrides;
  if (nul != std::string::npos) {
    std::size_t start = nul + 1;
    while (start <= input.size()) {
      const std::size_t end = std::min(input.find('\n', start), input.size());
      if (end > start) overrides.push_back(input.substr(start, end - start));
      start = end + 1;
    }
  }
  try {
    const curvlab::JobSpec spec = curvlab::parse_job_text(text, "fuzz.toml", overrides);
    if (spec.sweep.present) {
      const curvlab::SweepPlan plan = curvlab::expand_sweep(spec, overrides);
      if (plan.runs.size() > curvlab::kMaxSweepRuns) __builtin_trap();  // the documented bound
    }
  } catch (const curvlab::ConfigError&) {
    // bad input, reported as the CLI would: exit status 2
  }
  return 0;
}
