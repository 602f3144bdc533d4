// Zero-crossing frequency of a signal and the Strouhal number (see strouhal.h).
#include "algorithms/flow/strouhal.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace curvlab {

SignalFrequency zero_crossing_frequency(const std::vector<double>& signal, double dt) {
  SignalFrequency out;
  out.frequency = std::numeric_limits<double>::quiet_NaN();
  if (signal.size() < 3) return out;
  double sum = 0;
  for (double v : signal) sum += v;
  out.mean = sum / static_cast<double>(signal.size());
  const auto [lo, hi] = std::minmax_element(signal.begin(), signal.end());
  out.amplitude = 0.5 * (*hi - *lo);
  double first = -1, last = -1;
  std::int64_t crossings = 0;
  for (std::size_t k = 1; k < signal.size(); ++k) {
    const double a = signal[k - 1] - out.mean, b = signal[k] - out.mean;
    if (a < 0 && b >= 0) {
      const double t = (static_cast<double>(k) - 1 + a / (a - b)) * dt;  // linear interpolation
      if (crossings == 0) first = t;
      last = t;
      ++crossings;
    }
  }
  if (crossings < 2 || last <= first) return out;
  out.cycles = crossings - 1;
  out.frequency = static_cast<double>(out.cycles) / (last - first);
  return out;
}

double strouhal_number(double frequency, double diameter, double u) { return frequency * diameter / u; }

}  // namespace curvlab
