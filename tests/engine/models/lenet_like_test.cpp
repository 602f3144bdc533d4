// The JumpReLU paper's LeNet-like network (engine/models/lenet_like.cpp): the paper's layer sizes
// on 28x28 (320 features before fc1), the forward pass in eval mode against dense float64
// operations with relu and with jumprelu (tolerance 1e-5 for a float32 forward), dropout only in
// training, the smallest input it takes, determinism under a seed, and its PyTorch twin (names,
// shapes and eval-mode logits, also with jumprelu on lenet_like, convnet, lenet5 and resnet20, so
// the jump is active; python_twin.h, tolerance 1e-5).
#include "engine/models/lenet_like.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "engine/models/dense_ops.h"
#include "engine/models/python_twin.h"

namespace curvlab {
namespace {

ModelOptions named(const std::string& name, Activation a = Activation::kRelu, double kappa = 0) {
  ModelOptions s;
  s.name = name;
  s.activation = a;
  s.kappa = kappa;
  return s;
}

TEST(LeNetLike, ThePapersLayerSizes) {
  auto m = make_model(named("lenet_like"), {1, 28, 28}, 10);
  auto p = m->named_parameters();
  EXPECT_EQ(p["conv1.weight"].sizes(), (std::vector<std::int64_t>{10, 1, 5, 5}));
  EXPECT_EQ(p["conv2.weight"].sizes(), (std::vector<std::int64_t>{20, 10, 5, 5}));
  EXPECT_EQ(p["fc1.weight"].sizes(), (std::vector<std::int64_t>{120, 320}));
  EXPECT_EQ(p["fc2.weight"].sizes(), (std::vector<std::int64_t>{90, 120}));
  EXPECT_EQ(p["fc3.weight"].sizes(), (std::vector<std::int64_t>{10, 90}));
  EXPECT_EQ(p.size(), 10u);
  EXPECT_EQ(make_model(named("lenet_like"), {3, 32, 32}, 10)->named_parameters()["fc1.weight"].size(1), 20 * 5 * 5);
  EXPECT_EQ(make_model(named("lenet_like"), {1, 16, 17}, 3)->named_parameters()["fc1.weight"].size(1), 20);
  try {
    make_model(named("lenet_like"), {1, 15, 28}, 3);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("lenet_like needs inputs of at least 16x16"), std::string::npos) << e.what();
  }
}

// conv, pool, act (the paper's order: pooling before the activation), dropout off in eval.
torch::Tensor dense_forward(Net& model, const torch::Tensor& x, Activation a, double kappa) {
  auto p = model->named_parameters();
  const auto d = [&](const char* k) { return p[k].detach().to(torch::kFloat64); };
  const auto act = [&](const torch::Tensor& v) {
    return a == Activation::kRelu ? torch::relu(v) : v * v.gt(kappa).to(torch::kFloat64);
  };
  torch::Tensor h = act(dense::pool2(dense::conv(x, d("conv1.weight"), d("conv1.bias"), 0)));
  h = act(dense::pool2(dense::conv(h, d("conv2.weight"), d("conv2.bias"), 0)));
  h = act(dense::linear(h.flatten(1), d("fc1.weight"), d("fc1.bias")));
  h = act(dense::linear(h, d("fc2.weight"), d("fc2.bias")));
  return dense::linear(h, d("fc3.weight"), d("fc3.bias"));
}

TEST(LeNetLike, MatchesDenseFormulaInEval) {
  for (const auto& [a, kappa] : std::vector<std::pair<Activation, double>>{{Activation::kRelu, 0.0},
                                                                           {Activation::kJumpRelu, 0.3}}) {
    torch::manual_seed(12);
    auto model = make_model(named("lenet_like", a, kappa), {2, 20, 18}, 4);
    model->eval();
    const torch::Tensor x = torch::randn({3, 2, 20, 18}, torch::kFloat64);
    const torch::Tensor expected = dense_forward(model, x, a, kappa);
    torch::NoGradGuard g;
    const torch::Tensor got = model->forward(x.to(torch::kFloat32)).to(torch::kFloat64);
    ASSERT_EQ(got.sizes(), expected.sizes());
    const double diff = (got - expected).abs().max().item<double>();
    EXPECT_LT(diff, 1e-5) << "max |logits - dense formula| = " << diff << " (" << activation_names().name(a) << ")";
  }
}

TEST(LeNetLike, DropoutOnlyInTraining) {
  torch::manual_seed(1);
  auto model = make_model(named("lenet_like"), {1, 28, 28}, 10);
  const auto x = torch::randn({8, 1, 28, 28});
  torch::NoGradGuard g;
  model->eval();
  EXPECT_TRUE(torch::equal(model->forward(x), model->forward(x)));
  model->train();
  const auto a = model->forward(x), b = model->forward(x);
  EXPECT_FALSE(torch::equal(a, b)) << "two training passes gave the same logits: no dropout";
  torch::manual_seed(9);
  const auto c = model->forward(x);
  torch::manual_seed(9);
  EXPECT_TRUE(torch::equal(c, model->forward(x))) << "dropout does not follow the torch seed";
}

TEST(LeNetLike, SameSeedSameParameters) {
  torch::manual_seed(7);
  auto a = make_model(named("lenet_like"), {1, 28, 28}, 10);
  torch::manual_seed(7);
  auto b = make_model(named("lenet_like"), {1, 28, 28}, 10);
  for (const auto& kv : a->named_parameters()) EXPECT_TRUE(kv.value().equal(b->named_parameters()[kv.key()]));
}

TEST(LeNetLike, NamesAndShapesMatchThePythonTwin) {
  python_twin::check_names_and_shapes({"lenet_like:1:28:28:10", "lenet_like:3:32:32:10:-:jumprelu:0.5"});
}

TEST(LeNetLike, LogitsMatchThePythonTwin) {
  python_twin::check_logits({"lenet_like:1:28:28:10", "lenet_like:1:28:28:10:-:jumprelu:0.25"}, {108, 109});
}

// The twin's JumpReLU on the other models (eval mode: the jump is active).
TEST(LeNetLike, JumpReluLogitsOfEveryFamilyMatchThePythonTwin) {
  python_twin::check_logits({"convnet:1:28:28:10:-:jumprelu:0.5", "lenet5:1:28:28:10:-:jumprelu:0.1",
                             "resnet20:3:16:16:10:-:jumprelu:0.2", "mlp:1:28:28:10:64x32:jumprelu:0.3"},
                            {110, 111, 112, 113});
}

}  // namespace
}  // namespace curvlab
