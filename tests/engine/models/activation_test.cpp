// The hidden activations (engine/models/activation.cpp): each one against its formula on values
// around the threshold, JumpReLU's two modes (relu in training, x * 1[x > kappa] at evaluation,
// x == kappa mapped to 0 as in erichson/JumpReLU's hard_threshold) and its gradient (the mask), and
// the names of [model] activation.
#include "engine/models/activation.h"

#include <gtest/gtest.h>

namespace curvlab {
namespace {

TEST(Activation, NamesRoundTrip) {
  for (const char* n : {"relu", "tanh", "gelu", "sigmoid", "jumprelu"}) {
    const auto a = activation_names().find(n);
    ASSERT_TRUE(a.has_value()) << n;
    EXPECT_EQ(activation_names().name(*a), n);
  }
  EXPECT_FALSE(activation_names().find("jump_relu").has_value());
}

TEST(Activation, SmoothOnesAreTheTorchFunctions) {
  const auto x = torch::linspace(-3, 3, 61, torch::kFloat64);
  EXPECT_TRUE(torch::equal(activate(x, Activation::kRelu, 0, false), torch::relu(x)));
  EXPECT_TRUE(torch::equal(activate(x, Activation::kTanh, 0, true), torch::tanh(x)));
  EXPECT_TRUE(torch::equal(activate(x, Activation::kGelu, 0, false), torch::gelu(x)));
  EXPECT_TRUE(torch::equal(activate(x, Activation::kSigmoid, 0, true), torch::sigmoid(x)));
}

TEST(Activation, JumpReluAgainstItsFormula) {
  const double kappa = 0.5;
  // Below 0, between 0 and kappa, exactly kappa, just above, far above.
  const std::vector<double> in = {-2.0, -0.5, 0.0, 0.1, 0.49, 0.5, 0.5000001, 0.75, 3.0};
  const std::vector<double> eval = {0, 0, 0, 0, 0, 0, 0.5000001, 0.75, 3.0};
  const std::vector<double> train = {0, 0, 0, 0.1, 0.49, 0.5, 0.5000001, 0.75, 3.0};
  const auto x = torch::tensor(in, torch::kFloat64);
  const auto e = activate(x, Activation::kJumpRelu, kappa, /*training=*/false);
  const auto t = activate(x, Activation::kJumpRelu, kappa, /*training=*/true);
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(e[static_cast<std::int64_t>(i)].item<double>(), eval[i]) << "eval, x = " << in[i];
    EXPECT_EQ(t[static_cast<std::int64_t>(i)].item<double>(), train[i]) << "training, x = " << in[i];
  }
  EXPECT_EQ(e.scalar_type(), torch::kFloat64);
  // float32 keeps its type
  EXPECT_EQ(activate(x.to(torch::kFloat32), Activation::kJumpRelu, kappa, false).scalar_type(), torch::kFloat32);
}

TEST(Activation, JumpReluGradientIsTheMask) {
  const double kappa = 0.3;
  torch::manual_seed(5);
  const auto x = torch::randn({200}, torch::kFloat64).requires_grad_(true);
  const auto w = torch::randn({200}, torch::kFloat64);
  (activate(x, Activation::kJumpRelu, kappa, false) * w).sum().backward();
  const auto mask = x.detach().gt(kappa).to(torch::kFloat64);
  EXPECT_TRUE(torch::equal(x.grad(), w * mask));
  // In training the gradient is relu's: 1[x > 0].
  x.mutable_grad().zero_();
  (activate(x, Activation::kJumpRelu, kappa, true) * w).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), w * x.detach().gt(0).to(torch::kFloat64)));
  // There is mass between 0 and kappa, so the two modes differ on this sample.
  EXPECT_GT((x.detach().gt(0) & x.detach().le(kappa)).sum().item<std::int64_t>(), 10);
}

TEST(Activation, BoundFunctionObject) {
  const ActivationFn f{Activation::kJumpRelu, 1.0};
  const auto x = torch::tensor({0.5, 1.5});
  EXPECT_TRUE(torch::equal(f(x, false), torch::tensor({0.0, 1.5})));
  EXPECT_TRUE(torch::equal(f(x, true), x));
  EXPECT_TRUE(torch::equal(ActivationFn{}(torch::tensor({-1.0, 2.0}), false), torch::tensor({0.0, 2.0})));
}

}  // namespace
}  // namespace curvlab
