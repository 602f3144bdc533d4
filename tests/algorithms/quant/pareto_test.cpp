// Tests of algorithms/quant/pareto.cpp: the DP Pareto frontier equals the brute-force frontier over
// all 4^6 assignments of a 6-layer problem (several random instances, ties included), and the
// best point under every budget is the brute-force optimum.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <random>

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

TEST(Pareto, ALayerWithoutOptionsIsAConfigErrorAndNoLayersIsOneEmptyPoint) {
  EXPECT_THROW(pareto_frontier({LayerOptions{}}), ConfigError);
  LayerOptions mismatched;
  mismatched.size = {1, 2};
  mismatched.cost = {1.0};
  EXPECT_THROW(pareto_frontier({mismatched}), ConfigError);
  const auto none = pareto_frontier({});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].size, 0);
  EXPECT_EQ(none[0].cost, 0.0);
  EXPECT_TRUE(none[0].choice.empty());
}

}  // namespace
}  // namespace curvlab
