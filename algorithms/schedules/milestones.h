// The one milestone rule of curvlab: a value multiplied by gamma at each milestone the clock has
// reached (lr steps, batch-size steps, K-FAC damping steps). A milestone counts as reached within
// 1e-9 of it, so float progress that lands on a boundary (29.999999999 epochs) is there.
#pragma once

#include <vector>

namespace curvlab {

// `value` x gamma once for each milestone <= clock (+1e-9), multiplied in order (not pow), so
// that the result is bit-for-bit what a loop over the milestones gives.
inline double apply_milestones(double value, double gamma, const std::vector<double>& milestones, double clock) {
  for (double m : milestones) {
    if (clock + 1e-9 >= m) value *= gamma;
  }
  return value;
}

}  // namespace curvlab
