// The CIFAR ResNets (engine/models/resnet.cpp): depth per name, the option A shortcut of a basic
// block against x[:, :, ::2, ::2] zero-padded by planes/4 channels per side (exact), parameter counts
// against He et al.'s table, the kaiming_normal_ init (statistical: 5% on the standard deviation,
// 5 sigma on the mean), and the PyTorch twins (names and shapes of resnet20..110; logits of resnet20
// with batch-norm statistics; python_twin.h, tolerance 1e-5).
#include "engine/models/resnet.h"

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

std::int64_t count_params(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(ResNet, BlocksPerStageByName) {
  EXPECT_EQ(resnet_blocks_per_stage("resnet20"), 3);
  EXPECT_EQ(resnet_blocks_per_stage("resnet32"), 5);
  EXPECT_EQ(resnet_blocks_per_stage("resnet44"), 7);
  EXPECT_EQ(resnet_blocks_per_stage("resnet56"), 9);
  EXPECT_EQ(resnet_blocks_per_stage("resnet110"), 18);
  EXPECT_EQ(resnet_blocks_per_stage("resnet18"), 0);  // an ImageNet ResNet: not these
  EXPECT_EQ(resnet_blocks_per_stage("convnet"), 0);
  // depth 6n + 2: 6n + 1 convolutions and the linear layer
  auto m = make_model(named("resnet32"), {3, 8, 8}, 10);
  int convs = 0;
  for (const auto& kv : m->named_parameters()) convs += kv.value().dim() == 4;
  EXPECT_EQ(convs, 6 * 5 + 1);
  EXPECT_THROW(ResNetImpl(0, {3, 8, 8}, 10), ConfigError);
}

// A stride-2 block whose convolutions output zero (weights zeroed) returns relu(shortcut): the
// option A shortcut itself, compared exactly with the documented slicing and zero padding.
TEST(ResNet, OptionAShortcut) {
  torch::manual_seed(13);
  BasicBlock block(16, 32, 2);
  {
    torch::NoGradGuard g;
    for (auto& kv : block->named_parameters()) {
      if (kv.key().find("conv") != std::string::npos) kv.value().zero_();
    }
  }
  block->eval();  // running mean 0, var 1: batch norm of 0 is 0 (bias 0)
  const torch::Tensor x = torch::randn({2, 16, 7, 9});
  const torch::Tensor y = block->forward(x);
  ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{2, 32, 4, 5}));
  torch::Tensor expected = torch::zeros({2, 32, 4, 5});
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 5; ++j) expected.select(2, i).select(2, j).slice(1, 8, 24).copy_(x.select(2, 2 * i).select(2, 2 * j));
  EXPECT_TRUE(torch::equal(y, torch::relu(expected))) << "max diff " << (y - torch::relu(expected)).abs().max().item<double>();
  EXPECT_THROW(BasicBlock(16, 48, 2), ConfigError);  // option A needs planes = 2 * in_planes
  // An identity block keeps the shape.
  BasicBlock same(16, 16, 1);
  EXPECT_EQ(same->forward(x).sizes(), x.sizes());
}

// He et al. 2016, table 6 (CIFAR-10): 0.27M, 0.46M, 0.66M, 0.85M, 1.7M parameters.
TEST(ResNet, ParameterCounts) {
  const std::vector<std::pair<std::string, double>> table = {
      {"resnet20", 0.27e6}, {"resnet32", 0.46e6}, {"resnet44", 0.66e6}, {"resnet56", 0.85e6}, {"resnet110", 1.7e6}};
  for (const auto& [name, expected] : table) {
    auto model = make_model(named(name), {3, 32, 32}, 10);
    const double n = double(count_params(*model));
    EXPECT_NEAR(n / expected, 1.0, 0.03) << name << " has " << n << " parameters";
  }
  EXPECT_EQ(count_params(*make_model(named("resnet20"), {3, 32, 32}, 10)), 269722);
}

// kaiming_normal_ (fan_in, gain sqrt 2) on ResNet convolutions and linear (akamaster's init);
// batch norm weight 1, bias 0; no convolution biases.
TEST(ResNet, InitIsKaimingNormal) {
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

}

TEST(ResNet, NamesAndShapesMatchThePythonTwin) {
  std::vector<std::string> specs;
  for (const char* name : {"resnet20", "resnet32", "resnet44", "resnet56", "resnet110"}) {
    specs.push_back(std::string(name) + ":1:28:28:10");
    specs.push_back(std::string(name) + ":3:32:32:10");
  }
  python_twin::check_names_and_shapes(specs);
}

TEST(ResNet, LogitsMatchThePythonTwin) {
  python_twin::check_logits({"resnet20:3:32:32:10", "resnet20:1:28:28:10"}, {106, 107});
}

}  // namespace
}  // namespace curvlab
