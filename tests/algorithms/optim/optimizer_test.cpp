// Tests of algorithms/optim/optimizer.cpp: the factory (one kind -> one implementation; K-FAC steps
// with SGD; adam and adamw with their [train.adam] options; every optimizer's set_weight_decay), the
// optimizer names table, and the checkpoint helpers shared by the optimizers (the
// name check, momentum buffers by name: skipped when absent, shape-checked, converted to the
// parameter's dtype).
#include "algorithms/optim/optimizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/map_state.h"
#include "base/error.h"

namespace curvlab {
namespace {
using testing_state::MapState;

TEST(Optimizer, FactoryBuildsEachKind) {
  auto w = torch::zeros({2}, torch::kFloat64);
  const NamedParams params = {{"w", w}};
  OptimizerOptions o;
  o.lr = 0.25;
  for (const auto& [kind, name] : std::vector<std::pair<OptimizerKind, std::string>>{
           {OptimizerKind::kSgd, "sgd"}, {OptimizerKind::kKfac, "sgd"}, {OptimizerKind::kLars, "lars"},
           {OptimizerKind::kAdam, "adam"}, {OptimizerKind::kAdamw, "adamw"}}) {
    o.kind = kind;
    o.weight_decay = 1e-3;
    auto opt = make_optimizer(o, params);
    ASSERT_NE(opt, nullptr);
    EXPECT_EQ(opt->name(), name) << optimizer_names().name(kind);
    EXPECT_DOUBLE_EQ(opt->lr(), 0.25);
    EXPECT_DOUBLE_EQ(opt->weight_decay(), 1e-3) << name;
    opt->set_weight_decay(2e-3);  // every optimizer takes the weight decay schedule
    EXPECT_DOUBLE_EQ(opt->weight_decay(), 2e-3) << name;
  }
  o.weight_decay = 0;
  // The options reach the implementation: plain SGD without momentum moves w by -lr g.
  o.kind = OptimizerKind::kSgd;
  o.momentum = 0;
  auto sgd = make_optimizer(o, params);
  w.mutable_grad() = torch::tensor({1.0, -2.0}, torch::kFloat64);
  sgd->step();
  EXPECT_TRUE(torch::allclose(w, torch::tensor({-0.25, 0.5}, torch::kFloat64), 0, 1e-15));
  // ... and [train.adam] reaches Adam: beta1 = 0 and a huge eps make the first step -lr g / eps.
  o.kind = OptimizerKind::kAdam;
  o.adam.beta1 = 0.0;
  o.adam.eps = 1e6;
  auto adam = make_optimizer(o, {{"w", w}});
  w.zero_();
  w.mutable_grad() = torch::tensor({1.0, -2.0}, torch::kFloat64);
  adam->step();
  EXPECT_TRUE(torch::allclose(w, torch::tensor({-0.25e-6, 0.5e-6}, torch::kFloat64), 1e-5, 0)) << w;
}

TEST(Optimizer, NamesInDeclarationOrder) {
  EXPECT_EQ(optimizer_names().names(), (std::vector<std::string>{"sgd", "kfac", "lars", "adam", "adamw"}));
  EXPECT_EQ(*optimizer_names().find("lars"), OptimizerKind::kLars);
  EXPECT_EQ(*optimizer_names().find("adamw"), OptimizerKind::kAdamw);
}

TEST(Optimizer, HeaderMustNameTheSameOptimizer) {
  MapState st;
  st.s["o/name"] = "lars";
  st.i["o/step"] = 17;
  EXPECT_EQ(read_optimizer_header(st, "o", "lars"), 17);
  try {
    read_optimizer_header(st, "o", "sgd");
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("checkpoint holds optimizer 'lars' state but the job uses 'sgd'"), std::string::npos) << what;
    EXPECT_NE(what.find("train.optimizer"), std::string::npos) << what;
  }
}

TEST(Optimizer, MomentumBuffersByNameSkippedWhenAbsentCheckedAndConverted) {
  const auto w = torch::zeros({2, 3}, torch::kFloat64), b = torch::zeros({2}, torch::kFloat64);
  const NamedParams params = {{"fc.weight", w}, {"fc.bias", b}};
  MapState st;
  st.t["o/momentum_buffer/fc.weight"] = torch::arange(6, torch::kFloat32).reshape({2, 3});
  const auto got = read_momentum_buffers(st, "o", params);
  ASSERT_EQ(got.size(), 1u);  // fc.bias has none: skipped
  EXPECT_EQ(got[0].first, "fc.weight");
  EXPECT_EQ(got[0].second.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::equal(got[0].second, torch::arange(6, torch::kFloat64).reshape({2, 3})));
  st.t["o/momentum_buffer/fc.bias"] = torch::zeros({3}, torch::kFloat64);
  try {
    read_momentum_buffers(st, "o", params);
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("o/momentum_buffer/fc.bias"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace curvlab
