// Pixel preprocessing (engine/data/preprocess.cpp) against formulas computed here in double, element
// by element: uint8 -> x / 255, per-channel mean and population standard deviation over a split
// larger than the 4096-sample statistics chunk, normalization (a stdev below 1e-12 taken as 1), and
// the errors for wrong dtypes, shapes and statistics. Tolerances: 1e-12 relative for the statistics
// (double sums in another order), 1e-6 for float32 results.
#include "engine/data/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"

namespace curvlab {
namespace {

TEST(Preprocess, ToUnitFloatDividesBy255) {
  const torch::Tensor img = torch::arange(256, torch::kInt64).to(torch::kUInt8).reshape({4, 1, 8, 8});
  const torch::Tensor x = to_unit_float(img);
  EXPECT_EQ(x.scalar_type(), torch::kFloat32);
  EXPECT_EQ(x.sizes(), img.sizes());
  double max_diff = 0;
  const float* p = x.data_ptr<float>();
  for (int v = 0; v < 256; ++v) max_diff = std::max(max_diff, std::abs(p[v] - v / 255.0));
  EXPECT_LT(max_diff, 1e-7) << "max |x - v/255| = " << max_diff;
  EXPECT_EQ(p[0], 0.0f);
  EXPECT_EQ(p[255], 1.0f);
  EXPECT_THROW(to_unit_float(img.to(torch::kFloat32)), IoError);
  EXPECT_THROW(to_unit_float(img.reshape({4, 64})), IoError);
}

// 5000 samples > the 4096-sample chunk: both passes cross a chunk boundary.
TEST(Preprocess, ChannelStatsAreThePopulationMomentsInDouble) {
  torch::manual_seed(3);
  const std::int64_t n = 5000, c = 3, h = 2, w = 3;
  torch::Tensor x = torch::randn({n, c, h, w});
  x.select(1, 1).mul_(4).add_(10);  // channel 1: mean 10, sd 4 (large mean: a one-pass formula would lose digits)
  x.select(1, 2).mul_(0.01);
  std::vector<double> mean, sd;
  channel_stats(x, &mean, &sd);
  ASSERT_EQ(mean.size(), 3u);
  ASSERT_EQ(sd.size(), 3u);
  const float* p = x.data_ptr<float>();
  for (std::int64_t k = 0; k < c; ++k) {
    double sum = 0, sq = 0;
    const double count = static_cast<double>(n * h * w);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < h * w; ++j) sum += p[(i * c + k) * h * w + j];
    const double mu = sum / count;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < h * w; ++j) {
        const double d = p[(i * c + k) * h * w + j] - mu;
        sq += d * d;
      }
    const double expected_sd = std::sqrt(sq / count);
    EXPECT_NEAR(mean[k], mu, 1e-12 * std::max(1.0, std::abs(mu))) << "channel " << k;
    EXPECT_NEAR(sd[k], expected_sd, 1e-12 * expected_sd) << "channel " << k;
  }
  EXPECT_NEAR(mean[1], 10, 0.2);
  EXPECT_NEAR(sd[1], 4, 0.1);
  std::vector<double> m2, s2;
  EXPECT_THROW(channel_stats(torch::zeros({0, 3, 2, 2}), &m2, &s2), ConfigError);
  EXPECT_THROW(channel_stats(torch::zeros({4, 12}), &m2, &s2), ConfigError);
}

TEST(Preprocess, NormalizeSubtractsAndDividesPerChannel) {
  torch::manual_seed(4);
  torch::Tensor x = torch::rand({6, 2, 3, 3});
  const torch::Tensor before = x.clone().to(torch::kFloat64);
  normalize_channels(x, {0.25, 0.5}, {2.0, 1e-13});  // channel 1: stdev below 1e-12 -> divided by 1
  const torch::Tensor expected0 = (before.select(1, 0) - 0.25) / 2.0;
  const torch::Tensor expected1 = before.select(1, 1) - 0.5;
  const double d0 = (x.select(1, 0).to(torch::kFloat64) - expected0).abs().max().item<double>();
  const double d1 = (x.select(1, 1).to(torch::kFloat64) - expected1).abs().max().item<double>();
  EXPECT_LT(d0, 1e-6) << "channel 0: max diff " << d0;
  EXPECT_LT(d1, 1e-6) << "channel 1: max diff " << d1;
  // Statistics of the result: mean 0, sd 1 when normalized with its own statistics.
  torch::Tensor y = torch::randn({50, 2, 4, 4}) * 3 + 7;
  std::vector<double> mean, sd;
  channel_stats(y, &mean, &sd);
  normalize_channels(y, mean, sd);
  channel_stats(y, &mean, &sd);
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(mean[k], 0, 1e-5);
    EXPECT_NEAR(sd[k], 1, 1e-5);
  }
  try {
    normalize_channels(y, {0.0}, {1.0});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("1 means for 2 channels"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace curvlab
