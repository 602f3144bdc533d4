// The gradient noise scale estimator on linear regression with Gaussian inputs, where |G|^2 and
// tr(Sigma) are known in closed form: with x ~ N(0, I_n), y = x^T w* + e, e ~ N(0, s^2), the
// per-sample gradient of 0.5 (x^T w - y)^2 at w is g = x (x^T d - e), d = w - w*, so
//   G = E[g] = d,  E[g g^T] = (|d|^2 + s^2) I + 2 d d^T (Isserlis),  Sigma = (|d|^2 + s^2) I + d d^T,
//   |G|^2 = |d|^2,  tr(Sigma) = n (|d|^2 + s^2) + |d|^2.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/large_batch/noise_scale.h"

using namespace curvlab;

namespace {
// Mean gradient over a batch of b fresh samples (float64).
torch::Tensor batch_gradient(const torch::Tensor& d, double s, std::int64_t b) {
  const std::int64_t n = d.size(0);
  auto x = torch::randn({b, n}, torch::kFloat64);
  auto e = torch::randn({b}, torch::kFloat64) * s;
  auto r = x.matmul(d) - e;                      // [b]
  return (x * r.unsqueeze(1)).mean(0);           // [n]
}
}  // namespace

TEST(NoiseScale, UnbiasedEstimatesRecoverClosedForm) {
  torch::manual_seed(7);
  const std::int64_t n = 20;
  const double s = 0.5;
  auto d = torch::randn({n}, torch::kFloat64) * 0.3;
  const double d2 = d.square().sum().item<double>();
  const double true_g2 = d2, true_tr = static_cast<double>(n) * (d2 + s * s) + d2;

  // Each trial mimics one training step on 4 ranks with per-rank batch 16 (B = 64).
  const int trials = 4000, ranks = 4;
  const std::int64_t b = 16;
  double sum_g2 = 0, sum_tr = 0;
  GradientNoiseScale ema(0.99);
  for (int t = 0; t < trials; ++t) {
    std::vector<torch::Tensor> parts;
    double small = 0;
    for (int r = 0; r < ranks; ++r) {
      parts.push_back(batch_gradient(d, s, b));
      small += parts.back().square().sum().item<double>();
    }
    const torch::Tensor big = torch::stack(parts).mean(0);
    NoiseScaleSample sample{small / ranks, static_cast<double>(b), big.square().sum().item<double>(),
                            static_cast<double>(b * ranks)};
    double g2 = 0, tr = 0;
    ASSERT_TRUE(unbiased_noise_estimates(sample, &g2, &tr));
    sum_g2 += g2;
    sum_tr += tr;
    ASSERT_TRUE(ema.update(sample));
  }
  // The trial means of unbiased estimates: within 5% (|G|^2) and 3% (tr Sigma) of the truth; the
  // standard errors at 4000 trials are about 1.5% and 0.8%.
  EXPECT_NEAR(sum_g2 / trials, true_g2, 0.05 * true_g2);
  EXPECT_NEAR(sum_tr / trials, true_tr, 0.03 * true_tr);
  // The EMA (effective window ~100 steps) lands near the truth too, and so does B_simple.
  const NoiseScaleEstimate e = ema.estimate();
  EXPECT_NEAR(e.trace_sigma, true_tr, 0.15 * true_tr);
  EXPECT_NEAR(e.grad_sq_norm, true_g2, 0.3 * true_g2);
  EXPECT_NEAR(e.noise_scale, true_tr / true_g2, 0.35 * true_tr / true_g2);
}

TEST(NoiseScale, ExactAlgebraAndBiasCorrection) {
  // |g_b|^2 = 3, |G_B|^2 = 1, b = 10, B = 40: |G|^2 = (40 - 30) / 30 = 1/3, tr = 2 / (0.1 - 0.025) = 26.67
  NoiseScaleSample s{3.0, 10.0, 1.0, 40.0};
  double g2 = 0, tr = 0;
  ASSERT_TRUE(unbiased_noise_estimates(s, &g2, &tr));
  EXPECT_NEAR(g2, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(tr, 2.0 / 0.075, 1e-9);
  GradientNoiseScale ema(0.9);
  EXPECT_TRUE(std::isnan(ema.estimate().noise_scale));
  ASSERT_TRUE(ema.update(s));
  // one update, bias-corrected: exactly the raw estimates
  EXPECT_NEAR(ema.estimate().grad_sq_norm, g2, 1e-12);
  EXPECT_NEAR(ema.estimate().noise_scale, tr / g2, 1e-9);
  // no information when the small batch is not smaller
  EXPECT_FALSE(ema.update({3.0, 40.0, 1.0, 40.0}));
  EXPECT_EQ(ema.updates(), 1);
}
