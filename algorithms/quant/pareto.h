// The exact Pareto frontier of (total size, total cost) over all assignments of one option per
// layer, where size and cost add over layers (HAWQ-V2: size = n_i * b_i bits, cost = Omega_i(b_i)).
// Dynamic programming over layers: the frontier of layers 0..i is built from the frontier of
// layers 0..i-1 combined with each option of layer i, keeping only non-dominated points (a point
// is dominated when another has size <= and cost <=, one of them strictly). Pruning a dominated
// partial assignment never loses a frontier point because both objectives are sums, so the result
// equals brute force over all prod(options) assignments at a cost of O(sum_i |F_i| * options_i).
// Not for: computing the costs (hawq.h).
#pragma once

#include <cstdint>
#include <vector>

namespace curvlab {

struct LayerOptions {
  std::vector<std::int64_t> size;  // per option (e.g. bits: numel * b)
  std::vector<double> cost;        // per option (e.g. Omega_i(b))
};

struct ParetoPoint {
  std::int64_t size = 0;
  double cost = 0;
  std::vector<int> choice;  // option index per layer
};

// Sorted by size ascending (cost strictly descending). ConfigError when a layer has no option.
std::vector<ParetoPoint> pareto_frontier(const std::vector<LayerOptions>& layers);

// The point of lowest cost with size <= budget; nullptr when none fits.
const ParetoPoint* best_under_budget(const std::vector<ParetoPoint>& frontier, std::int64_t budget);

}  // namespace curvlab
