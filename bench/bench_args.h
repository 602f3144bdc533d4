// Argument checks shared by the benchmarks' CLI11 parsers (bench/*.cpp): numbers that must be
// positive (or non-negative), with a message that names the value. Not for: the curvlab binary's
// own command line (jobs/cli.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

namespace curvlab_bench {

// Accepts a number > 0 (>= 0 with allow_zero); CLI11 then converts it to the option's type.
inline CLI::Validator positive(bool allow_zero = false) {
  return CLI::Validator(
      [allow_zero](std::string& value) -> std::string {
        char* end = nullptr;
        const double x = std::strtod(value.c_str(), &end);
        if (value.empty() || end == nullptr || *end != '\0') return "'" + value + "' is not a number";
        if (allow_zero ? x < 0 : x <= 0) {
          return std::string("must be ") + (allow_zero ? ">= 0" : "> 0") + " (got " + value + ")";
        }
        return "";
      },
      allow_zero ? "NONNEGATIVE" : "POSITIVE");
}

}  // namespace curvlab_bench
