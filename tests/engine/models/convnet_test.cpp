// The default ConvNet (engine/models/convnet.cpp): the forward pass against dense float64 operations
// (im2col convolutions, reshaped max pooling, matmuls; tolerance 1e-5 for a float32 forward), fc1's
// input size for odd input sizes, the smallest input, PyTorch's default init bounds, and its PyTorch
// twin (names, shapes and logits; python_twin.h, tolerance 1e-5).
#include "engine/models/convnet.h"

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

TEST(ConvNet, MatchesDenseFormula) {
  torch::manual_seed(12);
  auto model = make_model(named("convnet"), {3, 9, 10}, 5);  // odd sizes: pooling floors
  auto p = model->named_parameters();
  EXPECT_EQ(p["fc1.weight"].size(1), 64 * 2 * 2);
  const auto d = [&](const char* k) { return p[k].detach().to(torch::kFloat64); };
  const torch::Tensor x = torch::randn({2, 3, 9, 10}, torch::kFloat64);
  torch::Tensor h = dense::pool2(torch::relu(dense::conv(x, d("conv1.weight"), d("conv1.bias"), 1)));
  h = dense::pool2(torch::relu(dense::conv(h, d("conv2.weight"), d("conv2.bias"), 1)));
  h = torch::relu(dense::linear(h.flatten(1), d("fc1.weight"), d("fc1.bias")));
  const torch::Tensor expected = dense::linear(h, d("fc2.weight"), d("fc2.bias"));
  const torch::Tensor got = model->forward(x.to(torch::kFloat32)).detach().to(torch::kFloat64);
  ASSERT_EQ(got.sizes(), expected.sizes());
  const double diff = (got - expected).abs().max().item<double>();
  EXPECT_LT(diff, 1e-5) << "max |logits - dense formula| = " << diff;
}

TEST(ConvNet, SmallestInput) {
  EXPECT_EQ(make_model(named("convnet"), {1, 4, 4}, 2)->forward(torch::randn({1, 1, 4, 4})).sizes(),
            (std::vector<std::int64_t>{1, 2}));
  try {
    make_model(named("convnet"), {1, 4, 3}, 2);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("convnet needs inputs of at least 4x4"), std::string::npos) << e.what();
  }
}

// PyTorch's default init (uniform, bound 1/sqrt(fan_in) for biases and kaiming_uniform a=sqrt 5 for
// weights, whose bound is also 1/sqrt(fan_in)).
TEST(ConvNet, DefaultInitBounds) {
  torch::manual_seed(6);
  auto convnet = make_model(named("convnet"), {1, 28, 28}, 10);
  auto q = convnet->named_parameters();
  const double bound = 1.0 / std::sqrt(3136.0);  // fc1: fan_in 64 * 7 * 7
  EXPECT_LE(q["fc1.weight"].abs().max().item<double>(), bound);
  EXPECT_GT(q["fc1.weight"].abs().max().item<double>(), 0.99 * bound);
  EXPECT_LE(q["fc1.bias"].abs().max().item<double>(), bound);

}

TEST(ConvNet, NamesAndShapesMatchThePythonTwin) {
  python_twin::check_names_and_shapes({"convnet:1:28:28:10", "convnet:3:32:32:10"});
}

TEST(ConvNet, LogitsMatchThePythonTwin) {
  python_twin::check_logits({"convnet:1:28:28:10", "convnet:3:32:32:10"}, {100, 101});
}

}  // namespace
}  // namespace curvlab
