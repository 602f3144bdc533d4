// The maps of a jacobian job (jobs/jacobian/jacobian_maps.cpp) on a narrow resnet20: names and their
// resolution (units, stages, features, by name, each once, unknown names with did-you-mean),
// footprints by formula, unit chains against the network's own features, and the two limits of the
// scalings, float64: alpha = 1, beta = 0 leaves relu(shortcut(x)), whose singular values are 1 for
// each positive input kept by the shortcut and 0 otherwise (exact); alpha = 0, beta = 1 leaves the
// plain branch relu(bn2(conv2(relu(bn1(conv1 x))))), whose Jacobian equals the one of a hand-written
// branch from the block's parameters (1e-10).
#include "jobs/jacobian/jacobian_maps.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/jacobian/singular_values.h"
#include "base/error.h"
#include "engine/models/model.h"

namespace curvlab {
namespace {

namespace F = torch::nn::functional;

std::shared_ptr<ResNetImpl> narrow_resnet(std::int64_t side) {
  torch::manual_seed(21);
  ModelOptions o;
  o.name = "resnet20";
  o.widths = {4, 8, 16};
  o.widths_given = true;
  auto net = std::dynamic_pointer_cast<ResNetImpl>(make_model(o, {1, side, side}, 3));
  net->to(torch::kFloat64);
  // Batch-norm statistics as after training (not the identity of a fresh network).
  torch::NoGradGuard no_grad;
  for (auto& item : net->named_buffers()) {
    if (item.key().find("running_mean") != std::string::npos) item.value().uniform_(-0.2, 0.2);
    if (item.key().find("running_var") != std::string::npos) item.value().uniform_(0.5, 2.0);
  }
  net->eval();
  return net;
}

std::vector<std::string> names_of(const std::vector<AnalysedMap>& maps) {
  std::vector<std::string> out;
  for (const AnalysedMap& m : maps) out.push_back(m.name);
  return out;
}

TEST(JacobianMaps, ResolvesNamesOnce) {
  auto net = narrow_resnet(8);
  EXPECT_EQ(map_names(*net).size(), 9u + 3u + 1u);
  const auto all = resolve_maps({"units", "stages", "layer2.1", "features"}, *net, "job.toml:3:1");
  ASSERT_EQ(all.size(), 13u);
  EXPECT_EQ(all[0].name, "layer1.0");
  EXPECT_EQ(all[9].name, "layer1");
  EXPECT_EQ(all[9].kind, "stage");
  EXPECT_EQ(all[10].first, 3);
  EXPECT_EQ(all[10].last, 6);
  EXPECT_EQ(all[12].kind, "features");
  EXPECT_EQ(names_of(resolve_maps({"layer3", "layer1.2"}, *net, "x")), (std::vector<std::string>{"layer3", "layer1.2"}));
  try {
    resolve_maps({"layer2.7"}, *net, "job.toml:3:1");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("job.toml:3:1"), std::string::npos) << m;
    EXPECT_NE(m.find("no map \"layer2.7\""), std::string::npos) << m;
    EXPECT_NE(m.find("did you mean"), std::string::npos) << m;
    EXPECT_NE(m.find("layer3.2"), std::string::npos) << m;
  }
}

TEST(JacobianMaps, Footprints) {
  auto net = narrow_resnet(8);
  EXPECT_EQ(units_footprint(*net, 0, 1).radius, 2);
  EXPECT_EQ(units_footprint(*net, 3, 4).stride, 2);
  EXPECT_EQ(units_footprint(*net, 3, 4).radius, 3);
  const SpatialFootprint stage2 = units_footprint(*net, 3, 6);  // {2, 3} then {1, 2} twice
  EXPECT_EQ(stage2.stride, 2);
  EXPECT_EQ(stage2.radius, 3 + 2 * 2 + 2 * 2);
}

TEST(JacobianMaps, UnitChainsFollowTheNetwork) {
  auto net = narrow_resnet(8);
  const torch::Tensor x = torch::randn({2, 1, 8, 8}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(unit_chain(*net, 3, 6)(net->features(x, 3)), net->features(x, 6)));
  EXPECT_TRUE(torch::equal(unit_chain(*net, 0, 9)(net->stem(x)), net->features(x, 9)));
  EXPECT_THROW(unit_chain(*net, 4, 4), ConfigError);
}

TEST(JacobianMaps, SkipOnlyLimitKeepsThePositiveInputs) {
  auto net = narrow_resnet(8);
  net->set_scaling(1.0, 0.0);
  const torch::Tensor x = torch::randn({2, 1, 8, 8}, torch::kFloat64);
  for (std::int64_t k : {1, 3}) {
    const torch::Tensor h = net->features(x, k);
    const torch::Tensor jac = compressed_jacobian(unit_chain(*net, k, k + 1), h, units_footprint(*net, k, k + 1));
    const torch::Tensor sv = dense_singular_values(jac);
    const torch::Tensor kept = k == 3 ? h.slice(2, 0, 8, 2).slice(3, 0, 8, 2) : h;
    for (std::int64_t b = 0; b < 2; ++b) {
      const std::int64_t ones = kept[b].gt(0).sum().item<std::int64_t>();
      const torch::Tensor want = torch::cat({torch::ones({ones}, torch::kFloat64),
                                             torch::zeros({sv.size(1) - ones}, torch::kFloat64)});
      EXPECT_LE((sv[b] - want).abs().max().item<double>(), 1e-12) << "unit " << k << " image " << b;
    }
  }
}

TEST(JacobianMaps, BranchOnlyLimitIsThePlainBranch) {
  auto net = narrow_resnet(8);
  net->set_scaling(0.0, 1.0);
  const torch::Tensor x = torch::randn({2, 1, 8, 8}, torch::kFloat64);
  for (std::int64_t k : {1, 3}) {
    const std::string p = net->unit_name(k) + ".";
    auto params = net->named_parameters();
    auto buffers = net->named_buffers();
    auto bn = [&](const torch::Tensor& v, const std::string& n) {
      return F::batch_norm(v, buffers[p + n + ".running_mean"], buffers[p + n + ".running_var"],
                           F::BatchNormFuncOptions().weight(params[p + n + ".weight"]).bias(params[p + n + ".bias"])
                               .training(false).eps(1e-5));
    };
    const std::int64_t stride = net->unit_stride(k);
    const ImageMap plain = [&](const torch::Tensor& v) {
      auto h = torch::relu(bn(F::conv2d(v, params[p + "conv1.weight"], F::Conv2dFuncOptions().stride(stride).padding(1)), "bn1"));
      return torch::relu(bn(F::conv2d(h, params[p + "conv2.weight"], F::Conv2dFuncOptions().padding(1)), "bn2"));
    };
    const torch::Tensor h = net->features(x, k);
    const torch::Tensor got = compressed_jacobian(unit_chain(*net, k, k + 1), h, units_footprint(*net, k, k + 1));
    const torch::Tensor want = dense_jacobian(plain, h, 64);
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-10) << "unit " << k;
  }
}

}  // namespace
}  // namespace curvlab
