// Tests of algorithms/hessian/hvp.cpp on the tiny float64 MLP of tiny_problem.h: Hessian-vector
// products against the exact dense Hessian (one and many chunks, cached graph or not; 1e-5 max
// abs, float64 differences are ~1e-15), the gradient and mean loss against direct autograd
// (1e-12), the layer groups (including a prefix that reappears), flat parameter views, and errors.
#include "algorithms/hessian/hvp.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/tiny_problem.h"
#include "base/error.h"

namespace curvlab {
namespace {
using testing_hessian::make_tiny_problem;
using testing_hessian::TinyProblem;

TEST(Hvp, MatchesDenseHessianForOneAndManyChunksWithAndWithoutCache) {
  TinyProblem p = make_tiny_problem();
  const std::int64_t P = p.dense.size(0);
  ASSERT_GT(P, 100);
  torch::manual_seed(7);
  for (std::int64_t chunk : {50, 7}) {
    for (bool cache : {true, false}) {
      HvpOptions o;
      o.chunk_size = chunk;
      o.cache_graph = cache;
      HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, o);
      ASSERT_EQ(hvp.dim(), P);
      for (int rep = 0; rep < 3; ++rep) {
        torch::Tensor v = torch::randn({P}, torch::kFloat64);
        const double diff = (hvp.apply(v) - torch::mv(p.dense, v)).abs().max().item<double>();
        EXPECT_LT(diff, 1e-5) << "chunk " << chunk << " cache " << cache << ": max |Hv - H_dense v| = " << diff;
      }
      EXPECT_EQ(hvp.hvp_count(), 3);
    }
  }
}

TEST(Hvp, GroupsAreTheLayersAndCoverTheVector) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  ASSERT_EQ(hvp.groups().size(), 3u);
  EXPECT_EQ(hvp.groups()[0].name, "fc1");
  EXPECT_EQ(hvp.groups()[2].name, "fc3");
  std::int64_t off = 0;
  for (const auto& g : hvp.groups()) {
    EXPECT_EQ(g.offset, off);
    off += g.numel;
  }
  EXPECT_EQ(off, hvp.dim());
}

TEST(Hvp, GroupByLayerKeepsGroupsContiguous) {
  const std::vector<std::pair<std::string, torch::Tensor>> params = {
      {"fc1.weight", torch::zeros({2, 3})}, {"fc1.bias", torch::zeros({2})}, {"bn.weight", torch::zeros({2})},
      {"fc1.extra", torch::zeros({4})},     {"scale", torch::zeros({1})},    {"layer1.0.conv1.weight", torch::zeros({5})}};
  const auto g = group_by_layer(params);
  ASSERT_EQ(g.size(), 5u);
  EXPECT_EQ(g[0].name, "fc1");
  EXPECT_EQ(g[0].params, (std::vector<std::string>{"fc1.weight", "fc1.bias"}));
  EXPECT_EQ(g[0].offset, 0);
  EXPECT_EQ(g[0].numel, 8);
  EXPECT_EQ(g[1].name, "bn");
  EXPECT_EQ(g[1].offset, 8);
  EXPECT_EQ(g[2].name, "fc1#2");  // fc1 again after bn: a new group, named apart
  EXPECT_EQ(g[2].offset, 10);
  EXPECT_EQ(g[2].numel, 4);
  EXPECT_EQ(g[3].name, "scale");  // no module prefix: the parameter's own name
  EXPECT_EQ(g[4].name, "layer1.0.conv1");
  EXPECT_EQ(g[4].offset, 15);
  EXPECT_TRUE(group_by_layer({}).empty());
}

TEST(Hvp, GradientAndLossMatchAutograd) {
  TinyProblem p = make_tiny_problem();
  std::vector<torch::Tensor> params;
  for (auto& t : p.model->parameters()) params.push_back(t);
  p.model->eval();
  const auto loss = torch::nn::functional::cross_entropy(p.model->forward(p.inputs), p.targets);
  std::vector<torch::Tensor> flat;
  for (const auto& g : torch::autograd::grad({loss}, params)) flat.push_back(g.reshape({-1}));
  const torch::Tensor want = torch::cat(flat);
  for (std::int64_t chunk : {50, 7}) {
    HvpOptions o;
    o.chunk_size = chunk;
    HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, o);
    const torch::Tensor g = hvp.gradient();
    ASSERT_EQ(g.scalar_type(), torch::kFloat64);
    const double diff = (g - want).abs().max().item<double>();
    EXPECT_LT(diff, 1e-12) << "chunk " << chunk << ": max |grad - autograd| = " << diff;
    EXPECT_NEAR(hvp.loss(), loss.item<double>(), 1e-12) << "chunk " << chunk;
  }
}

TEST(Hvp, FlatParametersAndTheirViews) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  std::vector<torch::Tensor> flat;
  for (const auto& [name, t] : hvp.params()) flat.push_back(t.detach().reshape({-1}));
  EXPECT_TRUE(torch::equal(hvp.flat_params(), torch::cat(flat)));
  const torch::Tensor v = torch::arange(hvp.dim(), torch::kFloat64);
  const auto views = hvp.unflatten(v);
  ASSERT_EQ(views.size(), hvp.params().size());
  std::int64_t off = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    EXPECT_EQ(views[i].sizes(), hvp.params()[i].second.sizes()) << hvp.params()[i].first;
    EXPECT_EQ(views[i].reshape({-1})[0].item<double>(), static_cast<double>(off)) << hvp.params()[i].first;
    off += views[i].numel();
  }
  EXPECT_EQ(off, hvp.dim());
  views[0].fill_(-1);  // views, not copies
  EXPECT_EQ(v[0].item<double>(), -1);
}

TEST(Hvp, BadInputIsAnError) {
  TinyProblem p = make_tiny_problem();
  EXPECT_THROW(HvpOperator(p.model, p.inputs, p.targets, 0, nullptr, {}), ConfigError);
  HvpOptions zero;
  zero.chunk_size = 0;
  EXPECT_THROW(HvpOperator(p.model, p.inputs, p.targets, 50, nullptr, zero), ConfigError);
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  EXPECT_THROW(hvp.apply(torch::zeros({hvp.dim() - 1}, torch::kFloat64)), NumericsError);
  EXPECT_EQ(hvp.hvp_count(), 0);
  for (auto& t : p.model->parameters()) t.requires_grad_(false);
  EXPECT_THROW(HvpOperator(p.model, p.inputs, p.targets, 50, nullptr, {}), ConfigError);
}

}  // namespace
}  // namespace curvlab
