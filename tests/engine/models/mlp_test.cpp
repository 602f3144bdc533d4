// The MLP (engine/models/mlp.cpp): against x -> W3 act(W2 act(W1 x + b1) + b2) + b3 written out with
// matmuls in float64 for every activation (tolerance 1e-5: a float32 forward pass), the width
// check, and against its PyTorch twin (names, shapes and logits; python_twin.h, tolerance 1e-5).
#include "engine/models/mlp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

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

// The MLP against x -> W3 act(W2 act(W1 x + b1) + b2) + b3 written out with matmuls.
TEST(Mlp, MatchesDenseFormula) {
  const std::map<std::string, std::function<torch::Tensor(const torch::Tensor&)>> acts = {
      {"relu", [](const torch::Tensor& t) { return t.clamp_min(0); }},
      {"tanh", [](const torch::Tensor& t) { return (t.exp() - (-t).exp()) / (t.exp() + (-t).exp()); }},
      {"gelu", [](const torch::Tensor& t) { return 0.5 * t * (1 + torch::erf(t / std::sqrt(2.0))); }},
      {"sigmoid", [](const torch::Tensor& t) { return 1 / (1 + (-t).exp()); }}};
  for (const auto& [act, f] : acts) {
    torch::manual_seed(5);
    ModelOptions s = named("mlp");
    s.widths = {7, 5};
    s.activation = *activation_names().find(act);
    auto model = make_model(s, {2, 3, 2}, 4);
    auto p = model->named_parameters();
    ASSERT_EQ(p.keys(), (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight",
                                                  "fc3.bias"}));
    auto x = torch::randn({6, 2, 3, 2}, torch::kFloat64);
    auto d = [&](const char* k) { return p[k].detach().to(torch::kFloat64); };
    auto h = f(x.reshape({6, 12}).matmul(d("fc1.weight").t()) + d("fc1.bias"));
    h = f(h.matmul(d("fc2.weight").t()) + d("fc2.bias"));
    auto expected = h.matmul(d("fc3.weight").t()) + d("fc3.bias");
    auto got = model->forward(x.to(torch::kFloat32)).detach().to(torch::kFloat64);
    const double diff = (got - expected).abs().max().item<double>();
    EXPECT_LT(diff, 1e-5) << act << ": max |logits - formula| = " << diff;
  }
}

TEST(Mlp, WidthsMustBePositive) {
  try {
    MlpImpl bad(12, {16, 0}, ActivationFn{Activation::kRelu}, 3);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model.widths must all be >= 1 (width 1 is 0)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MlpImpl(12, {4}, ActivationFn{Activation::kTanh}, 0), ConfigError);  // classes are the last width
  // [B, D] input works as well as [B, C, H, W].
  torch::manual_seed(1);
  MlpImpl m(6, {5}, ActivationFn{Activation::kTanh}, 2);
  const torch::Tensor x = torch::randn({3, 6});
  EXPECT_TRUE(torch::equal(m.forward(x), m.forward(x.view({3, 1, 2, 3}))));
}

TEST(Mlp, NamesAndShapesMatchThePythonTwin) {
  python_twin::check_names_and_shapes({"mlp:1:28:28:10", "mlp:3:32:32:10", "mlp:1:8:8:4:64x32x16:tanh", "mlp:1:8:8:4:-"});
}

TEST(Mlp, LogitsMatchThePythonTwin) {
  python_twin::check_logits({"mlp:1:28:28:10:64x32:gelu", "mlp:3:32:32:10"}, {102, 103});
}

}  // namespace
}  // namespace curvlab
