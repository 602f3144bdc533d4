// The frequency of a periodic signal (the lift coefficient of a shedding wake) by its upward zero
// crossings about the mean, linearly interpolated between samples, and the Strouhal number f D / U.
// Not for: producing the signal (lbm_d2q9.h).
#pragma once

#include <cstdint>
#include <vector>

namespace curvlab {

struct SignalFrequency {
  double frequency = 0;     // cycles per unit of t (NaN with fewer than 2 upward crossings)
  std::int64_t cycles = 0;  // whole periods between the first and the last upward crossing
  double amplitude = 0;     // (max - min) / 2 of the signal
  double mean = 0;
};

// `signal` sampled at times t0 + k dt. The crossing times are interpolated, so the estimate is not
// tied to the sampling grid; it averages over every whole period seen.
SignalFrequency zero_crossing_frequency(const std::vector<double>& signal, double dt);

// St = f D / U (f in cycles per lattice step, D in cells, U in cells per step).
double strouhal_number(double frequency, double diameter, double u);

}  // namespace curvlab
