// Zero-crossing frequency (algorithms/flow/strouhal.cpp) on signals of known frequency.
#include "algorithms/flow/strouhal.h"

#include <gtest/gtest.h>

#include <cmath>

namespace curvlab {
namespace {

TEST(Strouhal, SineWithOffsetAndCoarseSampling) {
  // f = 1/37.3 cycles per sample: off the sampling grid; offset 0.4, amplitude 0.7.
  std::vector<double> s;
  for (int k = 0; k < 1000; ++k) s.push_back(0.4 + 0.7 * std::sin(2 * M_PI * k / 37.3 + 0.3));
  const SignalFrequency f = zero_crossing_frequency(s, 2.0);  // dt = 2: frequency per unit of t halves
  EXPECT_NEAR(f.frequency, 1.0 / (2 * 37.3), 1e-4 / 74.6);
  EXPECT_NEAR(f.mean, 0.4, 0.01);  // 26.8 periods: the partial one shifts the mean
  EXPECT_NEAR(f.amplitude, 0.7, 1e-3);
  EXPECT_EQ(f.cycles, 25);  // 26 upward crossings
  EXPECT_NEAR(strouhal_number(0.0018, 10, 0.1), 0.18, 1e-12);
}

TEST(Strouhal, NoOscillationIsNaN) {
  EXPECT_TRUE(std::isnan(zero_crossing_frequency(std::vector<double>(100, 1.0), 1.0).frequency));
  EXPECT_TRUE(std::isnan(zero_crossing_frequency({1.0, 2.0}, 1.0).frequency));
}

}  // namespace
}  // namespace curvlab
