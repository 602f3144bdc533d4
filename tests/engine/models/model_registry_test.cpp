// The model registry (engine/models/model_registry.cpp): the names, forward shapes of every model
// on 1x28x28, 3x32x32 and small inputs, errors for bad names, settings, shapes and class counts,
// and the model spec string of checkpoints. Each architecture's own numerics are in its test
// (mlp_test.cpp, lenet5_test.cpp, lenet_like_test.cpp, convnet_test.cpp, resnet_test.cpp,
// batchnorm_test.cpp); the activations in activation_test.cpp. Here also: [model] activation and
// kappa reach every model.
#include "engine/models/model.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

ModelOptions named(const std::string& name) {
  ModelOptions s;
  s.name = name;
  return s;
}

TEST(ModelRegistry, ForwardShapesForEveryModel) {
  EXPECT_EQ(model_names(), (std::vector<std::string>{"mlp", "lenet5", "lenet_like", "convnet", "resnet20",
                                                     "resnet32", "resnet44", "resnet56", "resnet110",
                                                     "shallow_decoder"}));
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

TEST(ModelRegistry, SmallAndOddInputs) {
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

TEST(ModelRegistry, RegistryErrors) {
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
  ModelOptions negative = named("convnet");
  negative.activation = Activation::kJumpRelu;
  negative.kappa = -0.1;
  try {
    make_model(negative, {1, 28, 28}, 10);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model.kappa must be >= 0"), std::string::npos) << e.what();
  }
}

// [model] activation reaches every model: with jumprelu and kappa > 0 the eval-mode logits differ
// from relu's on the same weights, the training-mode ones do not (JumpReLU trains as ReLU); with
// kappa = 0 eval is relu too.
TEST(ModelRegistry, ActivationReachesEveryModel) {
  for (const auto& name : model_names()) {
    const std::vector<std::int64_t> shape = name.rfind("resnet", 0) == 0 ? std::vector<std::int64_t>{3, 16, 16}
                                                                          : std::vector<std::int64_t>{1, 28, 28};
    ModelOptions relu = named(name), jump = named(name), jump0 = named(name);
    jump.activation = jump0.activation = Activation::kJumpRelu;
    jump.kappa = 0.5;
    torch::manual_seed(3);
    auto a = make_model(relu, shape, 10);
    torch::manual_seed(3);
    auto b = make_model(jump, shape, 10);
    torch::manual_seed(3);
    auto c = make_model(jump0, shape, 10);
    torch::manual_seed(4);
    const auto x = torch::randn({3, shape[0], shape[1], shape[2]});
    torch::NoGradGuard g;
    for (auto* m : {&a, &b, &c}) (*m)->eval();
    EXPECT_FALSE(torch::equal(a->forward(x), b->forward(x))) << name << ": kappa 0.5 changed nothing in eval";
    EXPECT_TRUE(torch::allclose(a->forward(x), c->forward(x), 0, 0)) << name << ": jumprelu kappa 0 != relu";
    if (name == "lenet_like") continue;  // dropout in training: compared under the same seed below
    for (auto* m : {&a, &b}) (*m)->train();
    EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x))) << name << ": jumprelu in training != relu";
  }
}

// The spec string stored in checkpoints (attribute model_spec): NAME:C:H:W:CLASSES, and for the MLP
// its widths ("-" for none) and activation, which scripts/python/curvlab_checkpoint.py parses.
TEST(ModelRegistry, ModelSpecString) {
  EXPECT_EQ(model_spec_string(named("convnet"), {1, 28, 28}, 10), "convnet:1:28:28:10");
  EXPECT_EQ(model_spec_string(named("resnet20"), {3, 32, 32}, 100), "resnet20:3:32:32:100");
  ModelOptions mlp = named("mlp");
  EXPECT_EQ(model_spec_string(mlp, {1, 8, 8}, 4), "mlp:1:8:8:4:256x128:relu");  // the default widths
  mlp.widths = {24};
  mlp.activation = Activation::kGelu;
  EXPECT_EQ(model_spec_string(mlp, {2, 3, 4}, 5), "mlp:2:3:4:5:24:gelu");
  mlp.widths.clear();
  mlp.activation = Activation::kSigmoid;
  EXPECT_EQ(model_spec_string(mlp, {1, 1, 1}, 2), "mlp:1:1:1:2:-:sigmoid");
  // Other models name their activation only when it is not relu, and jumprelu its kappa.
  ModelOptions conv = named("convnet");
  conv.activation = Activation::kJumpRelu;
  conv.kappa = 0.25;
  EXPECT_EQ(model_spec_string(conv, {1, 28, 28}, 10), "convnet:1:28:28:10:-:jumprelu:0.25");
  conv.activation = Activation::kTanh;
  EXPECT_EQ(model_spec_string(conv, {1, 28, 28}, 10), "convnet:1:28:28:10:-:tanh");
  mlp.activation = Activation::kJumpRelu;
  mlp.kappa = 1.5;
  EXPECT_EQ(model_spec_string(mlp, {1, 1, 1}, 2), "mlp:1:1:1:2:-:jumprelu:1.5");
}

TEST(ModelRegistry, ShapeAndClassChecks) {
  EXPECT_THROW(make_model(named("mlp"), {1, 0, 8}, 4), ConfigError);
  EXPECT_THROW(make_model(named("mlp"), {1, 8, 8, 1}, 4), ConfigError);
  EXPECT_THROW(make_model(named("mlp"), {1, 8, 8}, 0), ConfigError);
  ModelOptions none = named("mlp");
  none.widths.clear();  // no hidden layer: one linear map
  auto linear = make_model(none, {1, 2, 2}, 3);
  EXPECT_EQ(linear->named_parameters().keys(), (std::vector<std::string>{"fc1.weight", "fc1.bias"}));
}

}  // namespace
}  // namespace curvlab
