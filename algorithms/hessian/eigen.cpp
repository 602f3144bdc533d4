// Power iteration with deflation and Lanczos with full reorthogonalisation.
#include "algorithms/hessian/eigen.h"

#include <torch/torch.h>

#include <cmath>
#include <tuple>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {
namespace {
// v minus its components along each of `basis` (twice: classical Gram-Schmidt repeated).
torch::Tensor orthogonalize(torch::Tensor v, const std::vector<torch::Tensor>& basis) {
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& b : basis) v = v - b * torch::dot(b, v);
  }
  return v;
}

double residual(const LinearOperator& op, const torch::Tensor& v, double lambda) {
  return (op.apply(v) - lambda * v).norm().item<double>();
}
}  // namespace

EigenResult power_iteration(const LinearOperator& op, const EigenOptions& o) {
  CURVLAB_CHECK(o.k >= 1 && o.k <= op.dim, ConfigError,
                "power iteration: k must be in [1, " + std::to_string(op.dim) + "] (got " + std::to_string(o.k) + ")");
  EigenResult r;
  r.converged = true;
  for (std::int64_t i = 0; i < o.k; ++i) {
    torch::Tensor v = orthogonalize(gaussian(op.dim, derive_seed(o.seed, "power_iteration", i)), r.vectors);
    v = v / v.norm();
    double lambda = 0;
    bool ok = false;
    torch::Tensor hv;
    for (std::int64_t it = 0; it < o.max_iter; ++it) {
      hv = op.apply(v);
      ++r.hvps;
      const double next = torch::dot(v, hv).item<double>();
      const bool stable = it > 0 && std::fabs(next - lambda) <= o.tol * (std::fabs(lambda) + 1e-12);
      lambda = next;
      if (stable) {
        ok = true;
        break;
      }
      torch::Tensor w = orthogonalize(hv, r.vectors);
      const double norm = w.norm().item<double>();
      if (norm == 0.0) {  // v spans an invariant subspace of eigenvalue 0 in the deflated space
        ok = true;
        break;
      }
      v = w / norm;
    }
    r.converged = r.converged && ok;
    r.values.push_back(lambda);
    r.vectors.push_back(v);
    r.residuals.push_back((hv - lambda * v).norm().item<double>());
  }
  return r;
}

Tridiagonal lanczos_tridiag(const LinearOperator& op, const torch::Tensor& v0, std::int64_t m, bool keep_basis) {
  Tridiagonal t;
  std::vector<torch::Tensor> basis;
  torch::Tensor v = v0 / v0.norm();
  const double scale_floor = 1e-10;
  double scale = 0;  // largest |alpha| or beta seen: breakdown is relative to it
  for (std::int64_t j = 0; j < m; ++j) {
    basis.push_back(v);
    torch::Tensor w = op.apply(v);
    ++t.hvps;
    const double a = torch::dot(v, w).item<double>();
    t.alpha.push_back(a);
    scale = std::max(scale, std::fabs(a));
    w = orthogonalize(w, basis);  // full reorthogonalisation (also removes alpha v and beta v_prev)
    const double b = w.norm().item<double>();
    if (j + 1 == m || b <= scale_floor * std::max(scale, 1e-300)) break;
    t.beta.push_back(b);
    scale = std::max(scale, b);
    v = w / b;
  }
  if (keep_basis) t.basis = torch::stack(basis);
  return t;
}

std::pair<torch::Tensor, torch::Tensor> tridiag_eigh(const std::vector<double>& alpha, const std::vector<double>& beta) {
  const auto m = static_cast<std::int64_t>(alpha.size());
  torch::Tensor T = torch::zeros({m, m}, torch::kFloat64);
  for (std::int64_t i = 0; i < m; ++i) {
    T[i][i] = alpha[static_cast<std::size_t>(i)];
    if (i + 1 < m) {
      T[i][i + 1] = beta[static_cast<std::size_t>(i)];
      T[i + 1][i] = beta[static_cast<std::size_t>(i)];
    }
  }
  auto [values, vectors] = torch::linalg::eigh(T, "L");
  return {values, vectors};
}

EigenResult lanczos_top(const LinearOperator& op, const EigenOptions& o) {
  CURVLAB_CHECK(o.k >= 1 && o.k <= op.dim, ConfigError,
                "Lanczos: k must be in [1, " + std::to_string(op.dim) + "] (got " + std::to_string(o.k) + ")");
  EigenResult r;
  const std::int64_t max_steps = std::min(op.dim, std::max(o.max_iter, o.k + 1));
  std::vector<torch::Tensor> basis;
  std::vector<double> alpha, beta;
  torch::Tensor v = gaussian(op.dim, derive_seed(o.seed, "lanczos", 0));
  v = v / v.norm();
  torch::Tensor values, vectors;
  bool exhausted = false;
  for (std::int64_t j = 0; j < max_steps; ++j) {
    basis.push_back(v);
    torch::Tensor w = op.apply(v);
    ++r.hvps;
    alpha.push_back(torch::dot(v, w).item<double>());
    w = orthogonalize(w, basis);
    const double b = w.norm().item<double>();
    double scale = 0;
    for (double a : alpha) scale = std::max(scale, std::fabs(a));
    for (double bb : beta) scale = std::max(scale, bb);
    exhausted = b <= 1e-10 * std::max(scale, 1e-300);
    const auto m = static_cast<std::int64_t>(alpha.size());
    const bool last = exhausted || j + 1 == max_steps;
    if (m >= o.k && (last || m % 5 == 0)) {
      std::tie(values, vectors) = tridiag_eigh(alpha, beta);
      bool ok = true;
      for (std::int64_t i = 0; i < o.k; ++i) {
        const std::int64_t col = m - 1 - i;
        const double theta = values[col].item<double>();
        const double res = b * std::fabs(vectors[m - 1][col].item<double>());
        ok = ok && res <= o.tol * std::max(1.0, std::fabs(theta));
      }
      if (ok || exhausted) {
        r.converged = true;
        break;
      }
      if (last) break;
    }
    if (exhausted) break;
    beta.push_back(b);
    v = w / b;
  }
  const auto m = static_cast<std::int64_t>(alpha.size());
  CURVLAB_CHECK(m >= o.k, NumericsError,
                "Lanczos: the Krylov space has dimension " + std::to_string(m) + " < k = " + std::to_string(o.k) +
                    "; ask for fewer eigenvalues (the operator has rank < k along the start vector)");
  if (!values.defined() || values.size(0) != m) std::tie(values, vectors) = tridiag_eigh(alpha, beta);
  torch::Tensor V = torch::stack(basis);  // [m, dim]
  for (std::int64_t i = 0; i < o.k; ++i) {
    const std::int64_t col = m - 1 - i;
    const double theta = values[col].item<double>();
    torch::Tensor x = torch::matmul(vectors.select(1, col), V);  // [dim]
    x = x / x.norm();
    r.values.push_back(theta);
    r.vectors.push_back(x);
    r.residuals.push_back(residual(op, x, theta));
    ++r.hvps;
  }
  return r;
}

}  // namespace curvlab
