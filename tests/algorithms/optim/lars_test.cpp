// Tests of algorithms/optim/lars.cpp: LARS against its formula (You et al. 2017) written out with
// plain tensors on a tiny problem: trust ratios, momentum, weight decay, excluded 1-D parameters,
// and a save/load round trip.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/map_state.h"
#include "algorithms/optim/lars.h"

using namespace curvlab;
using testing_state::MapState;

TEST(Lars, MatchesTheFormulaOverThreeSteps) {
  torch::manual_seed(3);
  auto w = torch::randn({4, 3}, torch::kFloat64).requires_grad_(false);
  auto bias = torch::randn({4}, torch::kFloat64);
  NamedParams params = {{"fc.weight", w}, {"fc.bias", bias}};
  LarsOptions spec;
  spec.trust_coefficient = 0.02;
  spec.eps = 1e-9;
  const double lr = 0.5, momentum = 0.9, wd = 1e-2;
  Lars opt(params, lr, momentum, wd, spec);

  auto ref_w = w.clone(), ref_b = bias.clone();
  auto v_w = torch::zeros_like(w), v_b = torch::zeros_like(bias);
  for (int step = 0; step < 3; ++step) {
    auto gw = torch::randn({4, 3}, torch::kFloat64), gb = torch::randn({4}, torch::kFloat64);
    w.mutable_grad() = gw.clone();
    bias.mutable_grad() = gb.clone();
    opt.step();
    // reference: weight adapted, bias excluded (plain momentum, no weight decay)
    const double wn = ref_w.norm().item<double>(), gn = gw.norm().item<double>();
    const double local = 0.02 * wn / (gn + wd * wn + 1e-9);
    v_w = momentum * v_w + lr * local * (gw + wd * ref_w);
    ref_w = ref_w - v_w;
    v_b = momentum * v_b + lr * gb;
    ref_b = ref_b - v_b;
    EXPECT_NEAR(opt.last_trust_ratios().at("fc.weight"), local, 1e-12);
    EXPECT_EQ(opt.last_trust_ratios().count("fc.bias"), 0u);
  }
  EXPECT_TRUE(torch::allclose(w, ref_w, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(bias, ref_b, 1e-12, 1e-12));

  // Resume: a fresh optimizer loaded from the saved state takes the same next step.
  MapState st;
  opt.save_state(st, "optimizer");
  auto w2 = w.clone(), b2 = bias.clone();
  NamedParams params2 = {{"fc.weight", w2}, {"fc.bias", b2}};
  Lars opt2(params2, lr, momentum, wd, spec);
  opt2.load_state(st, "optimizer");
  auto gw = torch::randn({4, 3}, torch::kFloat64), gb = torch::randn({4}, torch::kFloat64);
  w.mutable_grad() = gw.clone();
  bias.mutable_grad() = gb.clone();
  w2.mutable_grad() = gw.clone();
  b2.mutable_grad() = gb.clone();
  opt.step();
  opt2.step();
  EXPECT_TRUE(torch::equal(w, w2));
  EXPECT_TRUE(torch::equal(bias, b2));
}

TEST(Lars, IncludesOneDimensionalParametersWhenAsked) {
  auto bias = torch::ones({5}, torch::kFloat64);
  LarsOptions spec;
  spec.exclude_bias_and_norm = false;
  Lars opt({{"b", bias}}, 1.0, 0.0, 0.0, spec);
  bias.mutable_grad() = torch::full({5}, 2.0, torch::kFloat64);
  opt.step();
  // local = 0.001 * sqrt(5) / (2 sqrt(5)) = 0.0005; w = 1 - 0.0005 * 2
  EXPECT_NEAR(opt.last_trust_ratios().at("b"), 0.0005, 1e-12);
  EXPECT_TRUE(torch::allclose(bias, torch::full({5}, 0.999, torch::kFloat64), 0, 1e-12));
}

TEST(Lars, SetWeightDecayChangesTheNextStep) {
  auto w = torch::ones({2, 2}, torch::kFloat64);
  LarsOptions spec;
  spec.eps = 0.0;
  Lars opt({{"w", w}}, 1.0, 0.0, 0.0, spec);
  opt.set_weight_decay(0.5);
  EXPECT_DOUBLE_EQ(opt.weight_decay(), 0.5);
  w.mutable_grad() = torch::full({2, 2}, 1.0, torch::kFloat64);
  opt.step();
  // |w| = |g| = 2: local = 0.001 * 2 / (2 + 0.5 * 2) = 1/1500; d = 1 + 0.5; w = 1 - 1.5 / 1500
  EXPECT_TRUE(torch::allclose(w, torch::full({2, 2}, 0.999, torch::kFloat64), 0, 1e-12)) << w;
}
