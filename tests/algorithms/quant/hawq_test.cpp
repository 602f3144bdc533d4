// Tests of algorithms/quant/hawq.cpp: sensitivities and Omega_i(b) = max(0, Tr(H_i))/n_i *
// ||Q_b(W_i) - W_i||^2 against a per-channel quantizer written out here (1e-12 relative), the
// allowed widths of fixed first and last layers, budgets, the uniform and the reverse allocation
// (equal to the allocation of a plan whose traces are mirrored by hand), and HAWQ v1's orderings.
#include "algorithms/quant/hawq.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace curvlab {
namespace {

// ||Q_b(W) - W||^2 of symmetric per-row quantization, independently of quantizer.cpp.
double channel_error(const torch::Tensor& w, std::int64_t bits) {
  const double q = std::pow(2.0, static_cast<double>(bits - 1)) - 1;
  const torch::Tensor m = w.reshape({w.size(0), -1}).to(torch::kFloat64);
  double err = 0;
  for (std::int64_t r = 0; r < m.size(0); ++r) {
    const double s = m[r].abs().max().item<double>() / q;
    for (std::int64_t k = 0; k < m.size(1); ++k) {
      const double x = m[r][k].item<double>();
      const double qx = s * std::clamp(std::nearbyint(x / s), -q, q);
      err += (qx - x) * (qx - x);
    }
  }
  return err;
}

std::vector<HawqLayer> five_layers(const std::vector<double>& traces) {
  torch::manual_seed(1);
  std::vector<HawqLayer> layers;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    HawqLayer l;
    l.name = "l" + std::to_string(i) + ".weight";
    l.weight = torch::randn({4, 6}, torch::kFloat64);
    l.trace = traces[i];
    l.top_eigenvalue = 2.0 + static_cast<double>(i % 3);
    layers.push_back(l);
  }
  return layers;
}

TEST(Hawq, FixedFirstLastLayersAndBudget) {
  torch::manual_seed(0);
  std::vector<HawqLayer> layers;
  for (int i = 0; i < 5; ++i) {
    HawqLayer l;
    l.name = "l" + std::to_string(i);
    l.weight = torch::randn({4 + i, 6});
    l.trace = 10.0 / (i + 1);
    l.top_eigenvalue = 5.0 - i;
    layers.push_back(l);
  }
  HawqOptions o;
  HawqPlan plan(layers, o);
  for (const auto& p : plan.frontier()) {
    const Allocation a = plan.from_point(p);
    EXPECT_EQ(a.bits.front(), 8);
    EXPECT_EQ(a.bits.back(), 8);
    EXPECT_EQ(a.size_bits, p.size);
    EXPECT_NEAR(a.omega, p.cost, 1e-12);
  }
  const std::int64_t budget = static_cast<std::int64_t>(6.0 * static_cast<double>(plan.total_weights()));
  const Allocation a = plan.at_budget(budget);
  EXPECT_LE(a.size_bits, budget);
  const Allocation rev = plan.reverse_at_budget(budget);
  EXPECT_LE(rev.size_bits, budget);
  EXPECT_LE(a.omega, rev.omega);  // the optimum under the budget is never worse than another point
  EXPECT_THROW(plan.at_budget(plan.smallest_size() - 1), ConfigError);
  EXPECT_EQ(plan.uniform(3).bits, (std::vector<std::int64_t>{8, 3, 3, 3, 8}));
  // v1: lambda / n descending; layer 0 has the largest lambda and the fewest weights.
  EXPECT_EQ(plan.v1_bit_order().front(), 0u);
  EXPECT_EQ(plan.v1_finetune_order(a).size(), 5u);
}

TEST(Hawq, SensitivityAndOmegaMatchAQuantizerWrittenOut) {
  const std::vector<double> traces = {9, 1, -2, 4, 16};
  HawqOptions o;
  o.fix_first_last = false;
  const HawqPlan plan(five_layers(traces), o);
  EXPECT_EQ(plan.total_weights(), 5 * 24);
  for (std::size_t i = 0; i < 5; ++i) {
    const double sens = std::max(0.0, traces[i]) / 24.0;
    EXPECT_DOUBLE_EQ(plan.sensitivity(i), sens) << i;
    EXPECT_EQ(plan.allowed(i), (std::vector<std::int64_t>{2, 3, 4, 8}));
    for (std::int64_t b : {2, 3, 4, 8}) {
      const double want = sens * channel_error(plan.layers()[i].weight, b);
      EXPECT_NEAR(plan.omega(i, b), want, 1e-12 * std::max(1e-30, std::fabs(want))) << "layer " << i << " bits " << b;
    }
  }
  EXPECT_EQ(plan.omega(2, 2), 0.0);  // a negative trace counts as insensitive
  EXPECT_THROW(plan.omega(0, 5), ConfigError);
  // An allocation's size and Omega add over the layers.
  const Allocation a = plan.from_bits({2, 3, 4, 8, 8});
  EXPECT_EQ(a.size_bits, 24 * (2 + 3 + 4 + 8 + 8));
  double omega = 0;
  for (std::size_t i = 0; i < 5; ++i) omega += plan.omega(i, a.bits[i]);
  EXPECT_NEAR(a.omega, omega, 1e-15);
}

TEST(Hawq, FixedLayersTakeOnlyTheFixedWidth) {
  HawqOptions o;
  o.fixed_bits = 6;
  const HawqPlan plan(five_layers({1, 1, 1, 1, 1}), o);
  EXPECT_EQ(plan.allowed(0), (std::vector<std::int64_t>{6}));
  EXPECT_EQ(plan.allowed(4), (std::vector<std::int64_t>{6}));
  EXPECT_EQ(plan.allowed(2), (std::vector<std::int64_t>{2, 3, 4, 8}));
  EXPECT_THROW(plan.omega(0, 8), ConfigError);
  EXPECT_EQ(plan.smallest_size(), 24 * (6 + 2 + 2 + 2 + 6));
  EXPECT_EQ(plan.uniform(4).bits, (std::vector<std::int64_t>{6, 4, 4, 4, 6}));
  EXPECT_THROW(HawqPlan({}, o), ConfigError);
  HawqOptions no_bits;
  no_bits.bits.clear();
  EXPECT_THROW(HawqPlan(five_layers({1}), no_bits), ConfigError);
}

TEST(Hawq, ReverseAllocationIsThePlanOfMirroredTraces) {
  // Sensitivities x 24 = {9, 1, 0, 4, 16}; mirrored (most sensitive <-> least): {1, 9, 16, 4, 0}.
  HawqOptions o;
  o.fix_first_last = false;
  const HawqPlan plan(five_layers({9, 1, -2, 4, 16}), o);
  const HawqPlan mirrored(five_layers({1, 9, 16, 4, 0}), o);
  for (std::int64_t avg : {3, 4, 5}) {
    const std::int64_t budget = avg * plan.total_weights();
    const Allocation rev = plan.reverse_at_budget(budget);
    EXPECT_EQ(rev.bits, mirrored.at_budget(budget).bits) << "budget " << budget;
    EXPECT_LE(rev.size_bits, budget);
    EXPECT_NEAR(rev.omega, plan.from_bits(rev.bits).omega, 1e-15);  // Omega with the true sensitivities
    EXPECT_LE(plan.at_budget(budget).omega, rev.omega);
  }
}

TEST(Hawq, V1OrdersByEigenvaluePerWeightAndByEigenvalueTimesError) {
  // Eigenvalues 2, 3, 4, 2, 3 on equal sizes: bit order by lambda/n descending, ties stable.
  HawqOptions o;
  o.fix_first_last = false;
  const HawqPlan plan(five_layers({1, 1, 1, 1, 1}), o);
  EXPECT_EQ(plan.v1_bit_order(), (std::vector<std::size_t>{2, 1, 4, 0, 3}));
  const Allocation a = plan.uniform(3);
  std::vector<double> key;
  for (std::size_t i = 0; i < 5; ++i) key.push_back(plan.layers()[i].top_eigenvalue * channel_error(plan.layers()[i].weight, 3));
  std::vector<std::size_t> want = {0, 1, 2, 3, 4};
  std::stable_sort(want.begin(), want.end(), [&](std::size_t x, std::size_t y) { return key[x] > key[y]; });
  EXPECT_EQ(plan.v1_finetune_order(a), want);
}

}  // namespace
}  // namespace curvlab
