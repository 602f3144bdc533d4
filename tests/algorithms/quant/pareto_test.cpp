// The DP Pareto frontier equals the brute-force frontier over all 4^6 assignments of a 6-layer
// problem (several random instances, ties included); HAWQ plans respect fixed layers and budgets.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <random>

#include "algorithms/quant/hawq.h"
#include "algorithms/quant/pareto.h"
#include "base/error.h"

namespace curvlab {
namespace {

// All assignments, then the non-dominated ones (size ascending, cost strictly descending).
std::vector<ParetoPoint> brute_force(const std::vector<LayerOptions>& layers) {
  std::vector<ParetoPoint> all;
  std::vector<int> idx(layers.size(), 0);
  while (true) {
    ParetoPoint p;
    p.choice = idx;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      p.size += layers[i].size[static_cast<std::size_t>(idx[i])];
      p.cost += layers[i].cost[static_cast<std::size_t>(idx[i])];
    }
    all.push_back(p);
    std::size_t k = 0;
    while (k < layers.size() && ++idx[k] == static_cast<int>(layers[k].size.size())) idx[k++] = 0;
    if (k == layers.size()) break;
  }
  std::vector<ParetoPoint> front;
  for (const auto& p : all) {
    bool dominated = false;
    for (const auto& q : all) {
      if (q.size <= p.size && q.cost <= p.cost && (q.size < p.size || q.cost < p.cost)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(p);
  }
  std::sort(front.begin(), front.end(), [](const ParetoPoint& a, const ParetoPoint& b) { return a.size < b.size; });
  // Equal (size, cost) duplicates keep one.
  front.erase(std::unique(front.begin(), front.end(),
                          [](const ParetoPoint& a, const ParetoPoint& b) { return a.size == b.size && a.cost == b.cost; }),
              front.end());
  return front;
}

TEST(Pareto, DpEqualsBruteForceOnSixLayers) {
  for (unsigned seed = 0; seed < 5; ++seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> numel(1, 50);
    std::uniform_real_distribution<double> sens(0.01, 10.0);
    std::vector<LayerOptions> layers;
    for (int l = 0; l < 6; ++l) {
      LayerOptions o;
      const int n = numel(rng);
      const double s = sens(rng);
      for (int b : {2, 3, 4, 8}) {
        o.size.push_back(n * b);
        o.cost.push_back(s * std::pow(2.0, -2.0 * b) * n);  // like ||Q_b(W)-W||^2 ~ 4^-b
      }
      layers.push_back(o);
    }
    const auto dp = pareto_frontier(layers);
    const auto bf = brute_force(layers);
    ASSERT_EQ(dp.size(), bf.size()) << "seed " << seed;
    for (std::size_t i = 0; i < dp.size(); ++i) {
      EXPECT_EQ(dp[i].size, bf[i].size) << "seed " << seed << " point " << i;
      EXPECT_NEAR(dp[i].cost, bf[i].cost, 1e-12 * std::max(1.0, bf[i].cost));
      // The DP's assignment reproduces its own size and cost.
      std::int64_t size = 0;
      double cost = 0;
      for (std::size_t l = 0; l < layers.size(); ++l) {
        size += layers[l].size[static_cast<std::size_t>(dp[i].choice[l])];
        cost += layers[l].cost[static_cast<std::size_t>(dp[i].choice[l])];
      }
      EXPECT_EQ(size, dp[i].size);
      EXPECT_NEAR(cost, dp[i].cost, 1e-12 * std::max(1.0, cost));
    }
    // Every budget: the chosen point is the brute-force optimum under it.
    for (std::int64_t budget = dp.front().size; budget <= dp.back().size; budget += 7) {
      const ParetoPoint* best = best_under_budget(dp, budget);
      ASSERT_NE(best, nullptr);
      double opt = 1e300;
      for (const auto& p : bf) {
        if (p.size <= budget) opt = std::min(opt, p.cost);
      }
      EXPECT_NEAR(best->cost, opt, 1e-12 * std::max(1.0, opt));
    }
    EXPECT_EQ(best_under_budget(dp, dp.front().size - 1), nullptr);
  }
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

}  // namespace
}  // namespace curvlab
