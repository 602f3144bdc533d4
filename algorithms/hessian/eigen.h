// Top-k eigenpairs of a symmetric operator (the Hessian, or one diagonal block of it):
//   power iteration with deflation (each new vector is kept orthogonal to the ones found), as
//     PyHessian does; finds the eigenvalues of LARGEST MAGNITUDE; stops when the Rayleigh quotient
//     changes by less than tol (relative) between iterations, or at max_iter;
//   Lanczos with full reorthogonalisation (every new basis vector is orthogonalised against all
//     earlier ones, twice); finds the ALGEBRAICALLY LARGEST eigenvalues; stops when the top-k
//     Ritz residuals |beta_j s_jk| are below tol * max(1, |theta_k|), at max_iter steps, or when
//     the Krylov space is exhausted (then the Ritz values are exact).
// Not for: spectral densities (slq.h), which use the same tridiagonalisation (lanczos_tridiag).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "algorithms/hessian/linear_operator.h"

namespace curvlab {

struct EigenOptions {
  std::int64_t k = 1;
  double tol = 1e-4;
  std::int64_t max_iter = 100;  // power: per eigenvalue; Lanczos: steps (products)
  std::uint64_t seed = 0;
};

struct EigenResult {
  std::vector<double> values;          // descending (power: by magnitude; Lanczos: algebraic)
  std::vector<torch::Tensor> vectors;  // unit norm, float64 [dim]
  std::vector<double> residuals;       // ||A v - lambda v|| of each pair
  std::int64_t hvps = 0;
  bool converged = false;
};

EigenResult power_iteration(const LinearOperator& op, const EigenOptions& options);
EigenResult lanczos_top(const LinearOperator& op, const EigenOptions& options);

// m steps of Lanczos with full reorthogonalisation from the unit vector v0: the tridiagonal
// matrix's diagonal alpha [m'] and off-diagonal beta [m'-1] (m' <= m: fewer when the Krylov
// space is exhausted) and, when basis != null, the basis vectors as rows [m', dim].
struct Tridiagonal {
  std::vector<double> alpha, beta;
  torch::Tensor basis;
  std::int64_t hvps = 0;
};
Tridiagonal lanczos_tridiag(const LinearOperator& op, const torch::Tensor& v0, std::int64_t m, bool keep_basis);
// Eigen-decomposition of a symmetric tridiagonal matrix: values ascending [m], vectors [m, m] (columns).
std::pair<torch::Tensor, torch::Tensor> tridiag_eigh(const std::vector<double>& alpha, const std::vector<double>& beta);

}  // namespace curvlab
