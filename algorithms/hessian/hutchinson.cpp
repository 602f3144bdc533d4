// Hutchinson trace estimation, total and per block, data- or sample-parallel.
#include "algorithms/hessian/hutchinson.h"

#include <torch/torch.h>

#include <cmath>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {

Estimate mean_and_se(const std::vector<double>& values) {
  Estimate e;
  const double n = static_cast<double>(values.size());
  if (values.empty()) return e;
  for (double v : values) e.mean += v;
  e.mean /= n;
  if (values.size() < 2) return e;
  double ss = 0;
  for (double v : values) ss += (v - e.mean) * (v - e.mean);
  e.se = std::sqrt(ss / (n - 1.0) / n);
  return e;
}

namespace {
// [total, block 0, block 1, ...] = z^T H z and its block parts, for probe `index`.
torch::Tensor probe_values(const LinearOperator& op, const std::vector<std::pair<std::int64_t, std::int64_t>>& blocks,
                           std::uint64_t seed, std::int64_t index) {
  const torch::Tensor z = rademacher(op.dim, derive_seed(seed, "hutchinson", static_cast<std::uint64_t>(index)));
  const torch::Tensor hz = op.apply(z);
  const torch::Tensor prod = z * hz;
  torch::Tensor out = torch::zeros({static_cast<std::int64_t>(blocks.size()) + 1}, torch::kFloat64);
  out[0] = prod.sum();
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    out[static_cast<std::int64_t>(b) + 1] = prod.slice(0, blocks[b].first, blocks[b].first + blocks[b].second).sum();
  }
  return out;
}
}  // namespace

TraceResult hutchinson_trace(const LinearOperator& op, const std::vector<std::pair<std::int64_t, std::int64_t>>& blocks,
                             const TraceOptions& o, const CommunicatorPtr& sample_comm) {
  CURVLAB_CHECK(o.max_samples >= 1 && o.min_samples >= 1, ConfigError,
                "Hutchinson: min_samples and max_samples must be >= 1");
  TraceResult r;
  std::vector<std::vector<double>> block_values(blocks.size());
  const int world = sample_comm ? sample_comm->size() : 1;
  const int rank = sample_comm ? sample_comm->rank() : 0;
  auto add = [&](const torch::Tensor& v) {
    auto a = v.accessor<double, 1>();
    r.per_probe.push_back(a[0]);
    for (std::size_t b = 0; b < blocks.size(); ++b) block_values[b].push_back(a[static_cast<std::int64_t>(b) + 1]);
    const Estimate e = mean_and_se(r.per_probe);
    r.running_mean.push_back(e.mean);
    r.running_se.push_back(e.se);
    ++r.samples;
  };
  auto done = [&]() {
    if (r.samples >= o.max_samples) return true;
    if (r.samples < std::max<std::int64_t>(2, o.min_samples)) return false;
    const Estimate e = mean_and_se(r.per_probe);
    if (e.se <= o.tol * std::fabs(e.mean)) {
      r.converged = true;
      return true;
    }
    return false;
  };
  while (!done()) {
    if (!sample_comm || world == 1) {
      add(probe_values(op, blocks, o.seed, r.samples));
      ++r.hvps;
      continue;
    }
    // One round: rank k computes probe samples + k (ranks beyond max_samples compute nothing).
    const std::int64_t round = std::min<std::int64_t>(world, o.max_samples - r.samples);
    torch::Tensor mine = torch::zeros({static_cast<std::int64_t>(blocks.size()) + 1}, torch::kFloat64);
    if (rank < round) mine = probe_values(op, blocks, o.seed, r.samples + rank);
    std::vector<torch::Tensor> all = sample_comm->allgather(mine);
    for (std::int64_t k = 0; k < round; ++k) add(all[static_cast<std::size_t>(k)]);
    r.hvps += round;
  }
  r.total = mean_and_se(r.per_probe);
  for (const auto& v : block_values) r.groups.push_back(mean_and_se(v));
  return r;
}

}  // namespace curvlab
