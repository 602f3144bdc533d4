// LeNet-5 (engine/models/lenet5.cpp): conv1's padding rule, the forward pass against dense float64
// operations (im2col convolutions, reshaped max pooling, matmuls; tolerance 1e-5 for a float32
// forward), the smallest input it takes, determinism under a seed, and its PyTorch twin (names,
// shapes and logits; python_twin.h, tolerance 1e-5).
#include "engine/models/lenet5.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "engine/models/dense_ops.h"
#include "engine/models/python_twin.h"

namespace curvlab {
namespace {

ModelOptions named(const std::string& name) {
  ModelOptions s;
  s.name = name;
  return s;
}

TEST(LeNet5, PaddingRule) {
  EXPECT_EQ(lenet5_padding(28, 28), 2);  // MNIST: 16x5x5 before fc1
  EXPECT_EQ(lenet5_padding(32, 32), 0);  // CIFAR: 16x5x5 too
  EXPECT_EQ(lenet5_padding(32, 31), 2);
  EXPECT_EQ(lenet5_padding(40, 12), 2);
  EXPECT_EQ(lenet5_padding(64, 64), 0);
  for (const std::vector<std::int64_t>& shape : {std::vector<std::int64_t>{1, 28, 28}, {3, 32, 32}}) {
    auto m = make_model(named("lenet5"), shape, 10);
    EXPECT_EQ(m->named_parameters()["fc1.weight"].size(1), 16 * 5 * 5) << shape[1];
  }
  EXPECT_EQ(make_model(named("lenet5"), {1, 12, 13}, 3)->named_parameters()["fc1.weight"].size(1), 16);
  try {
    make_model(named("lenet5"), {1, 11, 28}, 3);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("lenet5 needs inputs of at least 12x12"), std::string::npos) << e.what();
  }
}

TEST(LeNet5, MatchesDenseFormula) {
  torch::manual_seed(11);
  auto model = make_model(named("lenet5"), {2, 14, 16}, 4);  // padding 2
  auto p = model->named_parameters();
  const auto d = [&](const char* k) { return p[k].detach().to(torch::kFloat64); };
  const torch::Tensor x = torch::randn({3, 2, 14, 16}, torch::kFloat64);
  torch::Tensor h = dense::pool2(torch::relu(dense::conv(x, d("conv1.weight"), d("conv1.bias"), 2)));
  h = dense::pool2(torch::relu(dense::conv(h, d("conv2.weight"), d("conv2.bias"), 0)));
  h = torch::relu(dense::linear(h.flatten(1), d("fc1.weight"), d("fc1.bias")));
  h = torch::relu(dense::linear(h, d("fc2.weight"), d("fc2.bias")));
  const torch::Tensor expected = dense::linear(h, d("fc3.weight"), d("fc3.bias"));
  const torch::Tensor got = model->forward(x.to(torch::kFloat32)).detach().to(torch::kFloat64);
  ASSERT_EQ(got.sizes(), expected.sizes());
  const double diff = (got - expected).abs().max().item<double>();
  EXPECT_LT(diff, 1e-5) << "max |logits - dense formula| = " << diff;
}

TEST(LeNet5, SameSeedSameParameters) {
  // The same torch seed gives the same parameters.
  torch::manual_seed(7);
  auto a = make_model(named("lenet5"), {1, 28, 28}, 10);
  torch::manual_seed(7);
  auto b = make_model(named("lenet5"), {1, 28, 28}, 10);
  for (const auto& kv : a->named_parameters()) EXPECT_TRUE(kv.value().equal(b->named_parameters()[kv.key()]));
}

TEST(LeNet5, NamesAndShapesMatchThePythonTwin) {
  python_twin::check_names_and_shapes({"lenet5:1:28:28:10", "lenet5:3:32:32:10"});
}

TEST(LeNet5, LogitsMatchThePythonTwin) {
  python_twin::check_logits({"lenet5:1:28:28:10", "lenet5:3:32:32:10"}, {104, 105});
}

}  // namespace
}  // namespace curvlab
