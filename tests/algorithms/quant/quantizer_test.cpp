// Symmetric fake quantization against hand-computed values: per channel, per tensor, Q-BERT
// group-wise and percentile clipping; the error shrinks with the bit width.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/quant/quantizer.h"
#include "base/error.h"

namespace curvlab {
namespace {

TEST(Quantizer, PerChannelTwoBitsByHand) {
  // bits 2: q = 1, one scale per row = max |w|; values round to {-1, 0, 1} * scale.
  const torch::Tensor w = torch::tensor({1.0, -0.4, 0.7, 2.0, 0.3, -2.0}, torch::kFloat64).reshape({2, 3});
  QuantizerOptions o;
  const torch::Tensor q = fake_quantize(w, 2, o);
  const torch::Tensor expected = torch::tensor({1.0, 0.0, 1.0, 2.0, 0.0, -2.0}, torch::kFloat64).reshape({2, 3});
  EXPECT_LT((q - expected).abs().max().item<double>(), 1e-12) << q;
}

TEST(Quantizer, PerTensorAndGroupsByHand) {
  // 3 bits: q = 3. Rows 0-1 in group 0 (range 3), rows 2-3 in group 1 (range 0.3).
  const torch::Tensor w = torch::tensor({3.0, 1.4, -0.9, 0.6, 0.3, 0.1, -0.2, 0.04}, torch::kFloat64).reshape({4, 2});
  QuantizerOptions g;
  g.granularity = Granularity::kGroup;
  g.groups = 2;
  const torch::Tensor qg = fake_quantize(w, 3, g);
  // group 0: s = 1: [3, 1, -1, 1]; group 1: s = 0.1: [0.3, 0.1, -0.2, 0] (0.04/0.1 rounds to 0)
  const torch::Tensor eg = torch::tensor({3.0, 1.0, -1.0, 1.0, 0.3, 0.1, -0.2, 0.0}, torch::kFloat64).reshape({4, 2});
  EXPECT_LT((qg - eg).abs().max().item<double>(), 1e-12) << qg;
  QuantizerOptions t;
  t.granularity = Granularity::kTensor;
  const torch::Tensor qt = fake_quantize(w, 3, t);  // s = 1 everywhere
  EXPECT_LT((qt - torch::round(w)).abs().max().item<double>(), 1e-12) << qt;
}

TEST(Quantizer, PercentileClipsAtThePercentileOfEachRow) {
  torch::manual_seed(0);
  torch::Tensor w = torch::randn({4, 200}, torch::kFloat64);
  w[0][0] = 50.0;  // an outlier: clipped to row 0's 99th percentile of |w|
  QuantizerOptions pct;
  pct.percentile = 99.0;
  const torch::Tensor q = fake_quantize(w, 4, pct);
  for (int r = 0; r < 4; ++r) {
    // Row by row: s = p99(|w_r|) / 7, Q = s * clamp(round(w / s), -7, 7).
    const double range = torch::quantile(w[r].abs(), 0.99).item<double>();
    const double s = range / 7.0;
    const torch::Tensor expected = torch::clamp(torch::round(w[r] / s), -7, 7) * s;
    EXPECT_LT((q[r] - expected).abs().max().item<double>(), 1e-12) << "row " << r;
    EXPECT_NEAR(q[r].abs().max().item<double>(), range, 1e-9);
  }
  EXPECT_NEAR(q[0][0].item<double>(), torch::quantile(w[0].abs(), 0.99).item<double>(), 1e-9);
}

TEST(Quantizer, ErrorShrinksWithBitsAndBadBitsAreRejected) {
  torch::manual_seed(1);
  const torch::Tensor w = torch::randn({8, 3, 3, 3});
  double prev = 1e300;
  for (std::int64_t b : {2, 3, 4, 8}) {
    const double e = quantization_error(w, b, {});
    EXPECT_LT(e, prev) << b;
    prev = e;
  }
  EXPECT_THROW(fake_quantize(w, 1, {}), ConfigError);
  EXPECT_FALSE(granularity_names().find("row").has_value());  // unknown names stop in the job parser
}

}  // namespace
}  // namespace curvlab
