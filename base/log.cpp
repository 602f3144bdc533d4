// Rank-aware stderr lines (see log.h): one line per message, written with a single fputs so lines of
// different ranks do not interleave.
#include "base/log.h"

#include <cstdio>

#include "base/error.h"

namespace curvlab::log {
namespace {
void put(const std::string& line) {
  std::fputs((line + "\n").c_str(), stderr);
  std::fflush(stderr);
}
}  // namespace

bool prints_shared() { return process_rank() <= 0; }

void warn(const std::string& text) {
  if (prints_shared()) put("warning: " + text);
}

void warn_rank(const std::string& text) {
  const int rank = process_rank();
  put(rank >= 0 ? "warning (rank " + std::to_string(rank) + "): " + text : "warning: " + text);
}

void note(const std::string& text) {
  if (prints_shared()) put(text);
}

}  // namespace curvlab::log
