// Stochastic Lanczos quadrature: Ritz values and weights per run, Gaussian-broadened density.
#include "algorithms/hessian/slq.h"

#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/eigen.h"
#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {

SlqResult slq_density(const LinearOperator& op, const SlqOptions& o) {
  CURVLAB_CHECK(o.runs >= 1 && o.steps >= 1 && o.grid_points >= 2, ConfigError,
                "SLQ: runs and steps must be >= 1 and grid_points >= 2");
  CURVLAB_CHECK(o.sigma >= 0, ConfigError, "SLQ: sigma must be >= 0 (0 = automatic)");
  const std::int64_t m = std::min(o.steps, op.dim);
  SlqResult r;
  r.nodes = torch::zeros({o.runs, m}, torch::kFloat64);
  r.weights = torch::zeros({o.runs, m}, torch::kFloat64);
  for (std::int64_t run = 0; run < o.runs; ++run) {
    const torch::Tensor v = rademacher(op.dim, derive_seed(o.seed, "slq", static_cast<std::uint64_t>(run)));
    const Tridiagonal t = lanczos_tridiag(op, v, m, /*keep_basis=*/false);
    r.hvps += t.hvps;
    auto [values, vectors] = tridiag_eigh(t.alpha, t.beta);
    const std::int64_t k = values.size(0);
    r.nodes[run].slice(0, 0, k).copy_(values);
    r.weights[run].slice(0, 0, k).copy_(vectors[0].square());
  }
  r.first_moment = (r.nodes * r.weights).sum().item<double>() / static_cast<double>(o.runs);
  const torch::Tensor used = r.weights > 0;
  const double lo = r.nodes.masked_select(used).min().item<double>();
  const double hi = r.nodes.masked_select(used).max().item<double>();
  const double spread = std::max(hi - lo, 1e-12 * std::max(1.0, std::max(std::fabs(lo), std::fabs(hi))));
  r.sigma = o.sigma > 0 ? o.sigma : 0.01 * spread;
  const double pad = 6.0 * r.sigma;
  r.grid = torch::linspace(lo - pad, hi + pad, o.grid_points, torch::kFloat64);
  // density(x) = (1/runs) sum w N(x; theta, sigma^2), chunked over the grid: [G, runs*m]
  const torch::Tensor theta = r.nodes.reshape({-1});
  const torch::Tensor w = r.weights.reshape({-1});
  const double norm = 1.0 / (std::sqrt(2.0 * M_PI) * r.sigma * static_cast<double>(o.runs));
  r.density = torch::zeros({o.grid_points}, torch::kFloat64);
  const std::int64_t block = 256;
  for (std::int64_t g = 0; g < o.grid_points; g += block) {
    const std::int64_t e = std::min(o.grid_points, g + block);
    const torch::Tensor x = r.grid.slice(0, g, e).unsqueeze(1);  // [b, 1]
    const torch::Tensor z = (x - theta.unsqueeze(0)) / r.sigma;   // [b, runs*m]
    r.density.slice(0, g, e).copy_(torch::matmul(torch::exp(-0.5 * z * z), w) * norm);
  }
  return r;
}

}  // namespace curvlab
