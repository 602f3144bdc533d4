// Tests of algorithms/optim/sgd.cpp against PyTorch's SGD update written out with plain tensors
// (torch.optim.SGD's documented rule: d = g + wd w; buf = d on the first step, then
// buf = momentum buf + (1 - dampening) d; nesterov: d = d + momentum buf, else d = buf; w -= lr d)
// over several steps, float64, tolerance 1e-12; set_lr, set_weight_decay, zero_grad, and the checkpoint state
// (momentum by parameter name, so a resume with the parameters in another order is exact).
#include "algorithms/optim/sgd.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ostream>
#include <string>

#include "algorithms/map_state.h"
#include "base/error.h"

namespace curvlab {
namespace {
using testing_state::MapState;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

struct Case {
  double momentum, dampening, wd;
  bool nesterov;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << "momentum " << c.momentum << ", dampening " << c.dampening << ", wd " << c.wd << (c.nesterov ? ", nesterov" : "");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const char* names[] = {"plain", "momentum", "dampening_and_weight_decay", "nesterov"};
  return names[info.index];
}

class SgdFormula : public ::testing::TestWithParam<Case> {};

TEST_P(SgdFormula, MatchesPyTorchsRuleOverFourSteps) {
  const Case c = GetParam();
  torch::manual_seed(11);
  auto w = torch::randn({3, 4}, torch::kFloat64), b = torch::randn({3}, torch::kFloat64);
  Sgd opt({{"fc.weight", w}, {"fc.bias", b}}, 0.3, c.momentum, c.dampening, c.wd, c.nesterov);
  EXPECT_EQ(opt.name(), "sgd");
  EXPECT_DOUBLE_EQ(opt.lr(), 0.3);
  std::vector<torch::Tensor> ref = {w.clone(), b.clone()}, buf(2);
  for (int step = 0; step < 4; ++step) {
    const double lr = step == 2 ? 0.05 : 0.3;  // an lr change takes effect at once
    opt.set_lr(lr);
    EXPECT_DOUBLE_EQ(opt.lr(), lr);
    std::vector<torch::Tensor> grads = {torch::randn({3, 4}, torch::kFloat64), torch::randn({3}, torch::kFloat64)};
    w.mutable_grad() = grads[0].clone();
    b.mutable_grad() = grads[1].clone();
    opt.step();
    for (std::size_t k = 0; k < 2; ++k) {
      torch::Tensor d = grads[k] + c.wd * ref[k];
      if (c.momentum != 0) {
        buf[k] = step == 0 ? d.clone() : c.momentum * buf[k] + (1 - c.dampening) * d;
        d = c.nesterov ? d + c.momentum * buf[k] : buf[k];
      }
      ref[k] = ref[k] - lr * d;
    }
    EXPECT_LT(max_diff(w, ref[0]), 1e-12) << "step " << step << " max diff " << max_diff(w, ref[0]);
    EXPECT_LT(max_diff(b, ref[1]), 1e-12) << "step " << step << " max diff " << max_diff(b, ref[1]);
  }
}

INSTANTIATE_TEST_SUITE_P(Settings, SgdFormula,
                         ::testing::Values(Case{0.0, 0.0, 0.0, false}, Case{0.9, 0.0, 0.0, false},
                                           Case{0.9, 0.1, 1e-2, false}, Case{0.8, 0.0, 5e-3, true}),
                         case_name);

TEST(Sgd, ZeroGradZeroesDefinedGradientsOnly) {
  auto w = torch::ones({2}, torch::kFloat64), v = torch::ones({2}, torch::kFloat64);
  Sgd opt({{"w", w}, {"v", v}}, 0.1, 0.9, 0, 0, false);
  w.mutable_grad() = torch::full({2}, 3.0, torch::kFloat64);
  opt.zero_grad();
  EXPECT_TRUE(torch::equal(w.grad(), torch::zeros({2}, torch::kFloat64)));
  EXPECT_FALSE(v.grad().defined());
}

TEST(Sgd, ResumeByParameterNameTakesTheSameNextStep) {
  torch::manual_seed(12);
  auto w = torch::randn({4, 2}, torch::kFloat64), b = torch::randn({4}, torch::kFloat64);
  Sgd opt({{"fc.weight", w}, {"fc.bias", b}}, 0.1, 0.9, 0.0, 1e-3, true);
  for (int step = 0; step < 2; ++step) {
    w.mutable_grad() = torch::randn({4, 2}, torch::kFloat64);
    b.mutable_grad() = torch::randn({4}, torch::kFloat64);
    opt.step();
  }
  MapState st;
  opt.save_state(st, "optimizer");
  EXPECT_EQ(st.s.at("optimizer/name"), "sgd");
  EXPECT_EQ(st.i.at("optimizer/step"), 2);
  ASSERT_TRUE(st.t.count("optimizer/momentum_buffer/fc.weight"));
  ASSERT_TRUE(st.t.count("optimizer/momentum_buffer/fc.bias"));
  // The twin lists its parameters in the other order: buffers must follow the names.
  auto w2 = w.clone(), b2 = b.clone();
  Sgd twin({{"fc.bias", b2}, {"fc.weight", w2}}, 0.1, 0.9, 0.0, 1e-3, true);
  twin.load_state(st, "optimizer");
  MapState again;
  twin.save_state(again, "optimizer");
  EXPECT_EQ(again.i.at("optimizer/step"), 2);
  const auto gw = torch::randn({4, 2}, torch::kFloat64), gb = torch::randn({4}, torch::kFloat64);
  w.mutable_grad() = gw.clone();
  b.mutable_grad() = gb.clone();
  w2.mutable_grad() = gw.clone();
  b2.mutable_grad() = gb.clone();
  opt.step();
  twin.step();
  EXPECT_TRUE(torch::equal(w, w2)) << "max diff " << max_diff(w, w2);
  EXPECT_TRUE(torch::equal(b, b2)) << "max diff " << max_diff(b, b2);
}

TEST(Sgd, SetWeightDecayChangesTheNextStep) {
  auto w = torch::ones({2}, torch::kFloat64);
  Sgd opt({{"w", w}}, 0.5, 0.0, 0, 1e-1, false);
  EXPECT_DOUBLE_EQ(opt.weight_decay(), 1e-1);
  opt.set_weight_decay(0.5);
  EXPECT_DOUBLE_EQ(opt.weight_decay(), 0.5);
  w.mutable_grad() = torch::ones({2}, torch::kFloat64);
  opt.step();  // w = 1 - 0.5 (1 + 0.5 * 1)
  EXPECT_TRUE(torch::equal(w, torch::full({2}, 0.25, torch::kFloat64))) << w;
}

TEST(Sgd, NoMomentumSavesNoBuffersAndAnotherOptimizersStateIsRefused) {
  auto w = torch::ones({2}, torch::kFloat64);
  Sgd plain({{"w", w}}, 0.1, 0.0, 0, 0, false);
  w.mutable_grad() = torch::ones({2}, torch::kFloat64);
  plain.step();
  MapState st;
  plain.save_state(st, "opt");
  EXPECT_EQ(st.t.size(), 0u);
  EXPECT_EQ(st.i.at("opt/step"), 1);
  MapState lars;
  lars.s["opt/name"] = "lars";
  lars.i["opt/step"] = 5;
  try {
    plain.load_state(lars, "opt");
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'lars'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'sgd'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace curvlab
