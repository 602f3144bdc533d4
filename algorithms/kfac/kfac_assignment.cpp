// Greedy LPT assignment of K-FAC decompositions to ranks, and the grad-worker sets.
#include "algorithms/kfac/kfac_assignment.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"

namespace curvlab {

bool KfacAssignment::is_grad_worker(std::size_t block, int rank) const {
  const int offset = ((rank - owner.at(block)) % world + world) % world;
  return offset < grad_workers;
}

KfacAssignment assign_kfac_work(const std::vector<std::pair<std::int64_t, std::int64_t>>& dims, int world,
                                double grad_worker_fraction) {
  CURVLAB_CHECK(world >= 1, ConfigError, "K-FAC: the rank count must be >= 1");
  CURVLAB_CHECK(grad_worker_fraction >= 0 && grad_worker_fraction <= 1, ConfigError,
                "kfac.grad_worker_fraction must be in [0, 1]");
  KfacAssignment out;
  out.world = world;
  out.grad_workers = std::clamp(static_cast<int>(std::lround(grad_worker_fraction * world)), 1, world);
  out.owner.assign(dims.size(), 0);
  out.load.assign(static_cast<std::size_t>(world), 0.0);
  std::vector<double> cost(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const double a = static_cast<double>(dims[i].first), g = static_cast<double>(dims[i].second);
    cost[i] = a * a * a + g * g * g;
  }
  std::vector<std::size_t> order(dims.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return cost[x] > cost[y]; });
  for (std::size_t b : order) {
    const auto least = std::min_element(out.load.begin(), out.load.end());  // first minimum: lowest rank
    out.owner[b] = static_cast<int>(least - out.load.begin());
    *least += cost[b];
  }
  return out;
}

}  // namespace curvlab
