// The synthetic data set (engine/data/synthetic.cpp) rebuilt here from its documented definition
// (synthetic.h): Gaussian inputs from the streams derive_seed(seed, "synthetic-train"/"-test"), the
// teacher W1 [32, D] ~ N(0, 1/D), W2 [K, 32] ~ N(0, 1/32) from "synthetic-teacher", labels = argmax
// of tanh(x W1^T) W2^T minus the mean training logits. Labels must match exactly (same float32
// operations); a float64 teacher agrees on >= 99% (near-ties may flip). Also the input statistics
// and the errors of check_synthetic_spec.
#include "engine/data/synthetic.h"

#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {
namespace {

DataOptions spec(std::int64_t train, std::int64_t test, std::vector<std::int64_t> shape, std::int64_t classes) {
  DataOptions d;
  d.dataset = "synthetic";
  d.synthetic_train = train;
  d.synthetic_test = test;
  d.synthetic_shape = std::move(shape);
  d.synthetic_classes = classes;
  return d;
}

at::Generator stream(std::uint64_t seed, const char* purpose) {
  return at::make_generator<at::CPUGeneratorImpl>(derive_seed(seed, purpose));
}

TEST(Synthetic, MatchesTheDocumentedTeacher) {
  const DataOptions d = spec(600, 150, {2, 3, 4}, 5);
  const std::uint64_t seed = 17;
  const SyntheticSplits s = make_synthetic(d, seed);
  const std::int64_t dim = 24;
  auto teacher = stream(seed, "synthetic-teacher");
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const torch::Tensor w1 = torch::randn({kTeacherHidden, dim}, teacher, f32) / std::sqrt(double(dim));
  const torch::Tensor w2 = torch::randn({5, kTeacherHidden}, teacher, f32) / std::sqrt(double(kTeacherHidden));
  auto train_gen = stream(seed, "synthetic-train");
  auto test_gen = stream(seed, "synthetic-test");
  const torch::Tensor xtr = torch::randn({600, 2, 3, 4}, train_gen, f32);
  const torch::Tensor xte = torch::randn({150, 2, 3, 4}, test_gen, f32);
  EXPECT_TRUE(torch::equal(s.train_inputs, xtr));
  EXPECT_TRUE(torch::equal(s.test_inputs, xte));

  const auto logits = [&](const torch::Tensor& x) { return torch::tanh(x.reshape({x.size(0), dim}).matmul(w1.t())).matmul(w2.t()); };
  const torch::Tensor bias = -logits(xtr).mean(0);
  EXPECT_TRUE(torch::equal(s.train_targets, (logits(xtr) + bias).argmax(1)));
  EXPECT_TRUE(torch::equal(s.test_targets, (logits(xte) + bias).argmax(1)));
  EXPECT_EQ(s.train_targets.scalar_type(), torch::kInt64);

  // The same teacher in float64: the labels agree except at near-ties.
  const auto w1d = w1.to(torch::kFloat64), w2d = w2.to(torch::kFloat64);
  const auto logits64 = [&](const torch::Tensor& x) {
    return torch::tanh(x.to(torch::kFloat64).reshape({x.size(0), dim}).matmul(w1d.t())).matmul(w2d.t());
  };
  const torch::Tensor labels64 = (logits64(xtr) - logits64(xtr).mean(0)).argmax(1);
  const double agree = labels64.eq(s.train_targets).to(torch::kFloat64).mean().item<double>();
  EXPECT_GE(agree, 0.99) << "float64 teacher agrees on " << agree;
}

TEST(Synthetic, InputsAreStandardNormalAndClassesBalancedBySeed) {
  const SyntheticSplits s = make_synthetic(spec(4000, 100, {1, 8, 8}, 4), 3);
  // 256000 N(0, 1) draws: mean within 5 sigma (5 / sqrt(256000) = 0.01), sd within 1%.
  EXPECT_NEAR(s.train_inputs.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(s.train_inputs.std().item<double>(), 1.0, 0.01);
  const torch::Tensor counts = torch::bincount(s.train_targets, {}, 4);
  EXPECT_GT(counts.min().item<std::int64_t>(), 4000 / 4 / 4) << counts;  // the bias roughly balances the classes
  // Another seed: other inputs and another teacher; the same seed: the same data.
  const SyntheticSplits t = make_synthetic(spec(4000, 100, {1, 8, 8}, 4), 4);
  EXPECT_FALSE(torch::equal(s.train_inputs, t.train_inputs));
  EXPECT_TRUE(torch::equal(s.train_targets, make_synthetic(spec(4000, 100, {1, 8, 8}, 4), 3).train_targets));
  // The test split's stream does not depend on the training size.
  EXPECT_TRUE(torch::equal(make_synthetic(spec(10, 100, {1, 8, 8}, 4), 3).test_inputs, s.test_inputs));
}

TEST(Synthetic, BadSpecsAreConfigErrors) {
  const auto message = [](const DataOptions& d) {
    try {
      check_synthetic_spec(d);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("<no ConfigError>");
  };
  EXPECT_NO_THROW(check_synthetic_spec(spec(1, 1, {1, 1, 1}, 2)));
  EXPECT_NE(message(spec(8, 8, {1, 8}, 2)).find("data.synthetic_shape [1, 8] must be 3 positive sizes"),
            std::string::npos);
  EXPECT_NE(message(spec(8, 8, {1, 0, 8}, 2)).find("[1, 0, 8]"), std::string::npos);
  EXPECT_NE(message(spec(0, 8, {1, 8, 8}, 2)).find("must be >= 1 (got 0, 8)"), std::string::npos);
  EXPECT_NE(message(spec(8, 0, {1, 8, 8}, 2)).find("(got 8, 0)"), std::string::npos);
  EXPECT_NE(message(spec(8, 8, {1, 8, 8}, 1)).find("data.synthetic_classes must be >= 2 (got 1)"), std::string::npos);
  EXPECT_THROW(make_synthetic(spec(8, 8, {1, 8, 8}, 1), 0), ConfigError);
}

}  // namespace
}  // namespace curvlab
