// Tests of the model registry and models: forward shapes of every model on 1x28x28, 3x32x32
// and small inputs, errors for bad names/settings/shapes, the MLP against a dense formula for
// every activation, the init schemes (kaiming_normal_ for ResNets, PyTorch's default elsewhere)
// and parameter counts of the CIFAR ResNets against He et al.'s table.
#include "engine/models/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "base/error.h"

namespace curvlab {
namespace {

ModelOptions named(const std::string& name) {
  ModelOptions s;
  s.name = name;
  return s;
}

std::int64_t count_params(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(Models, ForwardShapesForEveryModel) {
  EXPECT_EQ(model_names(), (std::vector<std::string>{"mlp", "lenet5", "convnet", "resnet20", "resnet32",
                                                     "resnet44", "resnet56", "resnet110"}));
  torch::manual_seed(0);
  for (const auto& name : model_names()) {
    for (const auto& shape : std::vector<std::vector<std::int64_t>>{{1, 28, 28}, {3, 32, 32}}) {
      auto model = make_model(named(name), shape, 10);
      auto x = torch::randn({2, shape[0], shape[1], shape[2]});
      for (bool train : {true, false}) {
        model->train(train);
        torch::NoGradGuard g;
        auto y = model->forward(x);
        EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{2, 10})) << name << " " << shape[0] << "x" << shape[1];
        EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << name;
      }
    }
  }
}

TEST(Models, SmallAndOddInputs) {
  torch::manual_seed(0);
  for (const auto& name : {"mlp", "convnet", "resnet20"}) {
    auto model = make_model(named(name), {1, 8, 8}, 4);  // the synthetic data set's default shape
    EXPECT_EQ(model->forward(torch::randn({3, 1, 8, 8})).sizes(), (std::vector<std::int64_t>{3, 4})) << name;
  }
  auto lenet = make_model(named("lenet5"), {2, 12, 13}, 3);
  EXPECT_EQ(lenet->forward(torch::randn({1, 2, 12, 13})).sizes(), (std::vector<std::int64_t>{1, 3}));
  auto resnet = make_model(named("resnet20"), {3, 7, 9}, 3);  // odd sizes through stride-2 blocks
  EXPECT_EQ(resnet->forward(torch::randn({2, 3, 7, 9})).sizes(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_THROW(make_model(named("lenet5"), {1, 8, 8}, 4), ConfigError);
  EXPECT_THROW(make_model(named("convnet"), {1, 3, 8}, 4), ConfigError);
}

TEST(Models, RegistryErrors) {
  try {
    make_model(named("vgg16"), {1, 28, 28}, 10);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("\"vgg16\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("resnet110"), std::string::npos) << e.what();
  }
  ModelOptions bad = named("mlp");
  EXPECT_FALSE(activation_names().find("swish").has_value());  // unknown names stop in the job parser
  bad.activation = Activation::kRelu;
  bad.widths = {16, 0};
  EXPECT_THROW(make_model(bad, {1, 28, 28}, 10), ConfigError);
  EXPECT_THROW(make_model(named("convnet"), {1, 28}, 10), ConfigError);
}

// The MLP against x -> W3 act(W2 act(W1 x + b1) + b2) + b3 written out with matmuls.
TEST(Models, MlpMatchesDenseFormula) {
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

// kaiming_normal_ (fan_in, gain sqrt 2) on ResNet convolutions and linear; PyTorch's default
// (uniform, bound 1/sqrt(fan_in) for biases and kaiming_uniform a=sqrt 5 for weights) elsewhere.
TEST(Models, InitSchemes) {
  torch::manual_seed(6);
  auto resnet = make_model(named("resnet20"), {3, 32, 32}, 10);
  auto p = resnet->named_parameters();
  for (const char* k : {"layer3.1.conv1.weight", "layer2.0.conv2.weight"}) {
    const auto& w = p[k];
    const double fan_in = double(w.size(1) * w.size(2) * w.size(3));
    const double sd = w.std().item<double>();
    EXPECT_NEAR(sd / std::sqrt(2.0 / fan_in), 1.0, 0.05) << k << " std " << sd;
    EXPECT_NEAR(w.mean().item<double>(), 0.0, 5 * std::sqrt(2.0 / fan_in / double(w.numel()))) << k;  // 5 sigma
  }
  EXPECT_TRUE(p["bn1.weight"].eq(1).all().item<bool>());
  EXPECT_TRUE(p["bn1.bias"].eq(0).all().item<bool>());
  EXPECT_FALSE(p.contains("conv1.bias"));

  auto convnet = make_model(named("convnet"), {1, 28, 28}, 10);
  auto q = convnet->named_parameters();
  const double bound = 1.0 / std::sqrt(3136.0);  // fc1: fan_in 64 * 7 * 7
  EXPECT_LE(q["fc1.weight"].abs().max().item<double>(), bound);
  EXPECT_GT(q["fc1.weight"].abs().max().item<double>(), 0.99 * bound);
  EXPECT_LE(q["fc1.bias"].abs().max().item<double>(), bound);

  // The same torch seed gives the same parameters.
  torch::manual_seed(7);
  auto a = make_model(named("lenet5"), {1, 28, 28}, 10);
  torch::manual_seed(7);
  auto b = make_model(named("lenet5"), {1, 28, 28}, 10);
  for (const auto& kv : a->named_parameters()) EXPECT_TRUE(kv.value().equal(b->named_parameters()[kv.key()]));
}

// He et al. 2016, table 6 (CIFAR-10): 0.27M, 0.46M, 0.66M, 0.85M, 1.7M parameters.
TEST(Models, ResNetParameterCounts) {
  const std::vector<std::pair<std::string, double>> table = {
      {"resnet20", 0.27e6}, {"resnet32", 0.46e6}, {"resnet44", 0.66e6}, {"resnet56", 0.85e6}, {"resnet110", 1.7e6}};
  for (const auto& [name, expected] : table) {
    auto model = make_model(named(name), {3, 32, 32}, 10);
    const double n = double(count_params(*model));
    EXPECT_NEAR(n / expected, 1.0, 0.03) << name << " has " << n << " parameters";
  }
  EXPECT_EQ(count_params(*make_model(named("resnet20"), {3, 32, 32}, 10)), 269722);
}

}  // namespace
}  // namespace curvlab
