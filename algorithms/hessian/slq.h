// Spectral density by stochastic Lanczos quadrature (Ghorbani et al. 2019, as in PyHessian):
// n_v runs, each m Lanczos steps (full reorthogonalisation) from a normalised Rademacher vector
// v (drawn from derive_seed(seed, "slq", run), the same on every rank). Run i gives Ritz values
// theta_ij and weights w_ij = (first component of the j-th eigenvector of T)^2, which sum to 1.
// The density is (1/n_v) sum_ij w_ij N(x; theta_ij, sigma^2) on a uniform grid: it integrates to
// 1 and its first moment is (1/n_v) sum_i v_i^T H v_i / ||v_i||^2, an unbiased estimate of
// Tr(H)/n. sigma = 0 chooses sigma = 1% of the spread of the Ritz values (stated in the result).
// Not for: eigenvalue computation to tolerance (eigen.h).
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "algorithms/hessian/linear_operator.h"

namespace curvlab {

struct SlqOptions {
  std::int64_t runs = 10;        // n_v
  std::int64_t steps = 50;       // m (capped at the operator's dimension)
  double sigma = 0;              // Gaussian width; 0 = automatic
  std::int64_t grid_points = 1000;
  std::uint64_t seed = 0;
};

struct SlqResult {
  torch::Tensor nodes;    // float64 [runs, m]: Ritz values (unused slots 0 with weight 0)
  torch::Tensor weights;  // float64 [runs, m]
  torch::Tensor grid;     // float64 [grid_points]
  torch::Tensor density;  // float64 [grid_points]
  double sigma = 0;
  double first_moment = 0;  // sum_ij w_ij theta_ij / runs (exact, before broadening)
  std::int64_t hvps = 0;
};

SlqResult slq_density(const LinearOperator& op, const SlqOptions& options);

}  // namespace curvlab
