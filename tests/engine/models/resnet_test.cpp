// The CIFAR ResNets (engine/models/resnet.cpp): depth per name, the option A shortcut of a basic
// block against x[:, :, ::2, ::2] zero-padded by planes/4 channels per side (exact), parameter counts
// against He et al.'s table, narrow stage widths, the residual units one by one with skip and
// branch scaling, the kaiming_normal_ init (statistical: 5% on the standard deviation,
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

// Narrow stage widths (model.widths): conv1 C -> w1, stages w1/w2/w3, linear w3 -> classes.
TEST(ResNet, StageWidthsFromModelWidths) {
  ModelOptions o = named("resnet20");
  o.widths = {4, 8, 16};
  o.widths_given = true;
  auto m = make_model(o, {1, 28, 28}, 10);
  auto p = m->named_parameters();
  EXPECT_EQ(p["conv1.weight"].sizes(), (std::vector<std::int64_t>{4, 1, 3, 3}));
  EXPECT_EQ(p["layer2.0.conv1.weight"].sizes(), (std::vector<std::int64_t>{8, 4, 3, 3}));
  EXPECT_EQ(p["layer3.2.conv2.weight"].sizes(), (std::vector<std::int64_t>{16, 16, 3, 3}));
  EXPECT_EQ(p["linear.weight"].sizes(), (std::vector<std::int64_t>{10, 16}));
  // The stem (3x3 conv, batch norm), 9 blocks (two 3x3 convs, two batch norms each), the linear.
  std::int64_t want = 4 * 1 * 9 + 2 * 4;
  for (const auto& [in, out] : std::vector<std::pair<int, int>>{{4, 4}, {4, 4}, {4, 4}, {4, 8}, {8, 8}, {8, 8},
                                                                 {8, 16}, {16, 16}, {16, 16}}) {
    want += out * in * 9 + out * out * 9 + 4 * out;
  }
  want += 16 * 10 + 10;
  EXPECT_EQ(count_params(*m), want);
  EXPECT_EQ(model_spec_string(o, {1, 28, 28}, 10), "resnet20:1:28:28:10:4x8x16:relu");
  o.widths = {16, 32, 64};  // the default written out: the spec stays the short one
  EXPECT_EQ(model_spec_string(o, {1, 28, 28}, 10), "resnet20:1:28:28:10");
  for (const std::vector<std::int64_t>& bad : std::vector<std::vector<std::int64_t>>{{4, 8, 15}, {3, 6, 12}, {4, 8}}) {
    o.widths = bad;
    EXPECT_THROW(make_model(o, {1, 28, 28}, 10), ConfigError);
    EXPECT_FALSE(resnet_widths_problem(bad).empty());
  }
}

// The residual units one by one: names, the chain of units equals forward, and the scaled unit
// act(alpha shortcut(x) + beta F(x)) against identities that hold for relu (positive homogeneity;
// beta = 0 leaves relu(shortcut)).
TEST(ResNet, ResidualUnitsAndTheirScaling) {
  torch::manual_seed(14);
  ModelOptions o = named("resnet20");
  o.widths = {4, 8, 16};
  o.widths_given = true;
  auto model = std::dynamic_pointer_cast<ResNetImpl>(make_model(o, {1, 12, 12}, 5));
  ASSERT_TRUE(model);
  model->eval();
  ASSERT_EQ(model->num_units(), 9);
  EXPECT_EQ(model->unit_name(0), "layer1.0");
  EXPECT_EQ(model->unit_name(3), "layer2.0");
  EXPECT_EQ(model->unit_name(8), "layer3.2");
  EXPECT_THROW(model->unit_name(9), ConfigError);
  const torch::Tensor x = torch::randn({3, 1, 12, 12});
  EXPECT_TRUE(torch::equal(model->head(model->features(x, 9)), model->forward(x)));
  for (std::int64_t k : {0, 3, 8}) {
    const torch::Tensor h = model->features(x, k);
    BasicBlock& unit = model->unit(k);
    EXPECT_TRUE(torch::equal(unit->forward_scaled(h, 1.0, 1.0), model->features(x, k + 1)));
    EXPECT_TRUE(torch::allclose(unit->forward_scaled(h, 0.5, 0.5), 0.5 * unit->forward(h), 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(unit->forward_scaled(h, 0.0, 2.0), 2.0 * unit->forward_scaled(h, 0.0, 1.0), 1e-5, 1e-6));
    const torch::Tensor skip_only = unit->forward_scaled(h, 1.0, 0.0);
    if (k == 3) {  // down-sampling: relu of x[:, :, ::2, ::2] padded by 2 zero channels per side
      const torch::Tensor sub = h.slice(2, 0, 12, 2).slice(3, 0, 12, 2);
      EXPECT_TRUE(torch::equal(skip_only, torch::relu(torch::constant_pad_nd(sub, {0, 0, 0, 0, 2, 2}, 0))));
    } else {
      EXPECT_TRUE(torch::equal(skip_only, torch::relu(h)));
    }
  }
}

// set_scaling makes forward() and features() use every unit's forward_scaled; (1, 1) is the network
// as trained, bitwise; stem() is features(x, 0); unit strides.
TEST(ResNet, WholeNetworkScaling) {
  torch::manual_seed(15);
  ModelOptions o = named("resnet20");
  o.widths = {4, 8, 16};
  o.widths_given = true;
  auto model = std::dynamic_pointer_cast<ResNetImpl>(make_model(o, {1, 8, 8}, 3));
  ASSERT_TRUE(model);
  model->eval();
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  const torch::Tensor trained = model->forward(x);
  EXPECT_TRUE(torch::equal(model->stem(x), model->features(x, 0)));
  model->set_scaling(0.5, 2.0);
  EXPECT_EQ(model->alpha(), 0.5);
  EXPECT_EQ(model->beta(), 2.0);
  torch::Tensor h = model->stem(x);
  for (std::int64_t k = 0; k < model->num_units(); ++k) h = model->unit(k)->forward_scaled(h, 0.5, 2.0);
  EXPECT_TRUE(torch::equal(model->features(x, model->num_units()), h));
  EXPECT_TRUE(torch::equal(model->forward(x), model->head(h)));
  EXPECT_FALSE(torch::allclose(model->forward(x), trained));
  model->set_scaling(1.0, 1.0);
  EXPECT_TRUE(torch::equal(model->forward(x), trained));
  std::vector<std::int64_t> strides;
  for (std::int64_t k = 0; k < model->num_units(); ++k) strides.push_back(model->unit_stride(k));
  EXPECT_EQ(strides, (std::vector<std::int64_t>{1, 1, 1, 2, 1, 1, 2, 1, 1}));
}

TEST(ResNet, NamesAndShapesMatchThePythonTwin) {
  std::vector<std::string> specs;
  for (const char* name : {"resnet20", "resnet32", "resnet44", "resnet56", "resnet110"}) {
    specs.push_back(std::string(name) + ":1:28:28:10");
    specs.push_back(std::string(name) + ":3:32:32:10");
  }
  specs.push_back("resnet20:1:28:28:10:4x8x16:relu");
  specs.push_back("resnet32:3:32:32:10:8x16x32:tanh");
  python_twin::check_names_and_shapes(specs);
}

TEST(ResNet, LogitsMatchThePythonTwin) {
  python_twin::check_logits({"resnet20:3:32:32:10", "resnet20:1:28:28:10", "resnet20:1:28:28:10:4x8x16:relu"},
                            {106, 107, 114});
}

}  // namespace
}  // namespace curvlab
