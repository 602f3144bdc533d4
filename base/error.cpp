// Implementation of the curvlab error base: stamping file, line and rank.
#include "base/error.h"

#include <atomic>

namespace curvlab {
namespace {
std::atomic<int> g_rank{-1};

const char* strip_source_root(const char* file) {
  // Show paths relative to the source tree ("engine/trainer.cpp"), not the build machine's.
  std::string f(file);
  for (const char* dir : {"/engine/", "/comm/", "/algorithms/", "/jobs/", "/cluster/", "/tests/", "/bench/", "/base/"}) {
    auto pos = f.rfind(dir);
    if (pos != std::string::npos) return file + pos + 1;
  }
  return file;
}
}  // namespace

void set_process_rank(int rank) { g_rank = rank; }
int process_rank() { return g_rank; }

Error::Error(const std::string& message, const char* file, int line)
    : std::runtime_error(message), file_(strip_source_root(file)), line_(line), rank_(g_rank) {}

std::string Error::where() const {
  std::string w = file_ + ":" + std::to_string(line_);
  if (rank_ >= 0) w += ", rank " + std::to_string(rank_);
  return w;
}

}  // namespace curvlab
