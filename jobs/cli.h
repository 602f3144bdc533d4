// The curvlab command line (CLI11): parses argv into plain option structs; runs nothing.
#pragma once

#include <string>
#include <vector>

namespace curvlab {

struct CliOptions {
  std::string command;                  // run | validate | inspect | submit | status | report
  std::string file;                     // job file (run, validate), checkpoint (inspect), directory (status)
  bool resume = false;
  bool force = false;
  bool auto_resume = false;             // run --auto-resume
  std::vector<std::string> overrides;   // --set key=value
  std::string output_dir;               // --output: overrides job.output_dir
  bool quiet = false;
  bool retry_failed = false;            // run SWEEP.toml --retry-failed: start diverged runs over
  // submit
  std::vector<std::string> files;       // job files: one = one run; several = one job array
  std::vector<std::string> cluster_overrides;  // --nodes 2 ... as "cluster.nodes=2"
  std::string array_dir;                // --array-dir: where a job array's script and logs go
  bool dry_run = false;
  // status
  bool no_slurm = false;
  // report
  std::string report_target;            // --target METRIC=VALUE
  std::string report_out;               // --out: where the report goes (default DIR/report)
};

// Parses argv. Returns an exit status >= 0 when the program should exit right away (help,
// --version, or a usage error already printed: status 2); -1 to go on with `out`.
int parse_cli(int argc, char** argv, CliOptions* out);

}  // namespace curvlab
