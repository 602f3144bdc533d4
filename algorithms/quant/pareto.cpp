// Exact Pareto frontier by dynamic programming with dominance pruning, and budget selection.
#include "algorithms/quant/pareto.h"

#include <algorithm>
#include <string>

#include "base/error.h"

namespace curvlab {
namespace {
struct Node {
  std::int64_t size;
  double cost;
  int parent;  // index into the previous layer's frontier (-1 for the empty assignment)
  int option;
};

// Keeps the non-dominated nodes, sorted by size ascending, cost strictly descending.
std::vector<Node> prune(std::vector<Node> nodes) {
  std::sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
    return a.size != b.size ? a.size < b.size : a.cost < b.cost;
  });
  std::vector<Node> kept;
  for (const Node& n : nodes) {
    if (kept.empty() || n.cost < kept.back().cost) kept.push_back(n);
  }
  return kept;
}
}  // namespace

std::vector<ParetoPoint> pareto_frontier(const std::vector<LayerOptions>& layers) {
  std::vector<std::vector<Node>> stages;
  std::vector<Node> prev = {Node{0, 0.0, -1, -1}};
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const LayerOptions& l = layers[i];
    CURVLAB_CHECK(!l.size.empty() && l.size.size() == l.cost.size(), ConfigError,
                  "Pareto frontier: layer " + std::to_string(i) + " has no options (or sizes and costs differ)");
    std::vector<Node> next;
    next.reserve(prev.size() * l.size.size());
    for (std::size_t p = 0; p < prev.size(); ++p) {
      for (std::size_t o = 0; o < l.size.size(); ++o) {
        next.push_back(Node{prev[p].size + l.size[o], prev[p].cost + l.cost[o], static_cast<int>(p),
                            static_cast<int>(o)});
      }
    }
    stages.push_back(prune(std::move(next)));
    prev = stages.back();
  }
  std::vector<ParetoPoint> out;
  if (stages.empty()) return {ParetoPoint{}};
  for (std::size_t k = 0; k < stages.back().size(); ++k) {
    ParetoPoint pt;
    pt.size = stages.back()[k].size;
    pt.cost = stages.back()[k].cost;
    pt.choice.assign(layers.size(), -1);
    int idx = static_cast<int>(k);
    for (std::size_t s = stages.size(); s-- > 0;) {
      const Node& n = stages[s][static_cast<std::size_t>(idx)];
      pt.choice[s] = n.option;
      idx = n.parent;
    }
    out.push_back(std::move(pt));
  }
  return out;
}

const ParetoPoint* best_under_budget(const std::vector<ParetoPoint>& frontier, std::int64_t budget) {
  const ParetoPoint* best = nullptr;
  for (const auto& p : frontier) {
    if (p.size <= budget) best = &p;  // sizes ascend, costs descend: the last that fits is the best
  }
  return best;
}

}  // namespace curvlab
