// Compressed Jacobian assembly (algorithms/jacobian/compressed_jacobian.cpp) against the plain
// assembly by one basis cotangent per row (dense_jacobian), float64, on residual-unit-like maps
// made of 3x3 convolutions: stride 1 (footprint {1, 2}), stride 2 with a subsampled shortcut
// ({2, 3}) and two stride-1 units chained ({1, 4}); equal within 1e-12. A footprint one pixel too
// small gives a wrong Jacobian (the test can fail). compose() and the colour count by formula.
#include "algorithms/jacobian/compressed_jacobian.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {
namespace {

namespace F = torch::nn::functional;

struct ConvUnit {
  std::int64_t stride = 1;
  torch::Tensor w1, w2;
  ConvUnit(std::int64_t in, std::int64_t out, std::int64_t s) : stride(s) {
    w1 = torch::randn({out, in, 3, 3}, torch::kFloat64) * 0.3;
    w2 = torch::randn({out, out, 3, 3}, torch::kFloat64) * 0.3;
  }
  // x [B, in, H, W] -> [B, out, H/s, W/s]: relu(conv2(tanh(conv1 x)) + shortcut(x))
  torch::Tensor operator()(const torch::Tensor& x) const {
    auto h = torch::tanh(F::conv2d(x, w1, F::Conv2dFuncOptions().stride(stride).padding(1)));
    h = F::conv2d(h, w2, F::Conv2dFuncOptions().padding(1));
    torch::Tensor s = x.slice(2, 0, x.size(2), stride).slice(3, 0, x.size(3), stride);
    const std::int64_t pad = (w1.size(0) - x.size(1)) / 2;
    if (pad > 0) s = torch::constant_pad_nd(s, {0, 0, 0, 0, pad, pad}, 0);
    return torch::relu(h + s);
  }
};

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(CompressedJacobian, EqualsThePlainAssemblyOnConvolutionalUnits) {
  torch::manual_seed(3);
  const ConvUnit same(2, 2, 1), down(2, 4, 2);
  const torch::Tensor x = torch::randn({2, 2, 11, 9}, torch::kFloat64);
  const ImageMap f1 = [&](const torch::Tensor& v) { return same(v); };
  const ImageMap f2 = [&](const torch::Tensor& v) { return down(v); };
  const ImageMap f3 = [&](const torch::Tensor& v) { return same(same(v)); };
  struct Case { const ImageMap* f; SpatialFootprint fp; };
  for (const Case& c : {Case{&f1, {1, 2}}, Case{&f2, {2, 3}}, Case{&f3, compose({1, 2}, {1, 2})}}) {
    const torch::Tensor want = dense_jacobian(*c.f, x, 64);
    const torch::Tensor got = compressed_jacobian(*c.f, x, c.fp, /*max_copies=*/37);  // uneven chunks
    ASSERT_EQ(got.sizes(), want.sizes());
    const double d = max_diff(got, want);
    EXPECT_LE(d, 1e-12) << "stride " << c.fp.stride << " radius " << c.fp.radius << ": max difference " << d;
  }
  // One pixel too small a window drops real entries.
  const torch::Tensor want = dense_jacobian(f1, x, 64);
  EXPECT_GT(max_diff(compressed_jacobian(f1, x, {1, 1}), want), 1e-3);
}

TEST(CompressedJacobian, ComposeAndColourCount) {
  const SpatialFootprint s = compose({2, 3}, {1, 2});  // a stride-2 unit, then a stride-1 unit
  EXPECT_EQ(s.stride, 2);
  EXPECT_EQ(s.radius, 2 * 2 + 3);
  EXPECT_EQ(compose({1, 2}, {2, 3}).radius, 5);
  // 4 channels, 28 x 28, radius 2: period 5 -> 4 * 25 colours (of 3136 rows).
  EXPECT_EQ(compressed_colours({4, 28, 28}, {1, 2}), 100);
  // stride 2, radius 3: period ceil(7 / 2) = 4 -> 8 * 16.
  EXPECT_EQ(compressed_colours({8, 14, 14}, {2, 3}), 128);
  // The period never exceeds the side.
  EXPECT_EQ(compressed_colours({2, 3, 3}, {1, 5}), 18);
  EXPECT_THROW(compressed_jacobian([](const torch::Tensor& v) { return v; }, torch::zeros({2, 3}), {1, 0}),
               ConfigError);
}

}  // namespace
}  // namespace curvlab
