// Parsing and printing Slurm time limits (see cluster/slurm_time.h for the accepted forms).
#include "cluster/slurm_time.h"

#include <cctype>
#include <cstdio>
#include <vector>

namespace curvlab {
namespace {

// Splits "a:b:c" into non-negative integers; false when a field is empty or not all digits.
bool split_fields(const std::string& text, std::vector<std::int64_t>* out) {
  out->clear();
  std::int64_t value = 0;
  bool digits = false;
  for (char c : text) {
    if (c == ':') {
      if (!digits) return false;
      out->push_back(value);
      value = 0;
      digits = false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (value > 100000000) return false;
      value = value * 10 + (c - '0');
      digits = true;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  out->push_back(value);
  return true;
}

}  // namespace

std::int64_t slurm_time_seconds(const std::string& text) {
  std::vector<std::int64_t> f;
  std::int64_t seconds = 0;
  const std::size_t dash = text.find('-');
  if (dash != std::string::npos) {
    // D-HH, D-HH:MM, D-HH:MM:SS
    std::vector<std::int64_t> days;
    if (!split_fields(text.substr(0, dash), &days) || days.size() != 1) return -1;
    if (!split_fields(text.substr(dash + 1), &f) || f.size() > 3) return -1;
    seconds = days[0] * 86400 + f[0] * 3600;
    if (f.size() > 1) seconds += f[1] * 60;
    if (f.size() > 2) seconds += f[2];
  } else {
    // minutes, MM:SS, HH:MM:SS
    if (!split_fields(text, &f) || f.size() > 3) return -1;
    if (f.size() == 1) seconds = f[0] * 60;
    if (f.size() == 2) seconds = f[0] * 60 + f[1];
    if (f.size() == 3) seconds = f[0] * 3600 + f[1] * 60 + f[2];
  }
  return seconds > 0 ? seconds : -1;
}

std::string format_slurm_time(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const std::int64_t days = seconds / 86400;
  const std::int64_t rest = seconds % 86400;
  char buf[64];
  if (days > 0) {
    std::snprintf(buf, sizeof(buf), "%lld-%02lld:%02lld:%02lld", static_cast<long long>(days),
                  static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(rest / 3600),
                  static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  }
  return buf;
}

}  // namespace curvlab
