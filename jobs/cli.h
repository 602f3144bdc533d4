// The curvlab command line (CLI11): parses argv into plain option structs; runs nothing.
#pragma once

#include <string>
#include <vector>

namespace curvlab {

struct CliOptions {
  std::string command;                  // run | validate | inspect
  std::string file;                     // job file (run, validate) or checkpoint (inspect)
  bool resume = false;
  bool force = false;
  std::vector<std::string> overrides;   // --set key=value
  std::string output_dir;               // --output: overrides job.output_dir
  bool quiet = false;
};

// Parses argv. Returns an exit status >= 0 when the program should exit right away (help,
// --version, or a usage error already printed: status 2); -1 to go on with `out`.
int parse_cli(int argc, char** argv, CliOptions* out);

}  // namespace curvlab
