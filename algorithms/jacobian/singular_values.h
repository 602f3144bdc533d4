// Singular values of each image's Jacobian, matrix-free: the largest and smallest by Lanczos on
// the smaller Gram matrix (J^T J or J J^T) from Jacobian products, every image of a batch at once,
// with each value's residual; and all of them by a dense SVD of the assembled Jacobian.
// Not for: the products themselves (jacobian_products.h).
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "algorithms/jacobian/jacobian_products.h"

namespace curvlab {

struct SingularValueOptions {
  std::int64_t top_k = 5;      // the largest singular values wanted (0: none)
  std::int64_t bottom_k = 5;   // the smallest (0: none); of the min(in, out) singular values
  std::int64_t max_iter = 200; // Lanczos steps (Gram products) per image at most
  double tol = 1e-6;           // converged when each wanted Ritz residual <= tol * the largest Ritz value
  std::uint64_t seed = 0;      // start vectors: derive_seed(seed, "jacobian_lanczos", image_index)
  bool vectors = false;        // also the top_k right singular vectors (input side)
};

// Per image b of a batch of B.
struct LanczosSingularValues {
  torch::Tensor top;              // float64 [B, top_k], descending
  torch::Tensor bottom;           // float64 [B, bottom_k], ascending
  torch::Tensor top_residual;     // float64 [B, top_k]: ||G y - theta y|| of each Ritz pair, G the Gram
  torch::Tensor bottom_residual;  //   matrix and theta = sigma^2 (exact for Lanczos with full
                                  //   reorthogonalisation: |beta_m s_mi|)
  torch::Tensor steps;            // int64 [B]: Lanczos steps taken (each one Gram product)
  torch::Tensor converged;        // bool [B]: every wanted value within tol, or the Krylov space exhausted
  torch::Tensor top_vectors;      // with options.vectors: float64 [B, top_k, in_dim], unit right singular
                                  //   vectors of the top values (Ritz vectors of J^T J, or J^T u / sigma
                                  //   for the Ritz vectors u of J J^T); undefined otherwise
};

// Lanczos with full reorthogonalisation (twice) on G_b = J_b^T J_b when in_dim <= out_dim, else
// J_b J_b^T (each product a jvp and a vjp through one forward graph), for all images together; an
// image stops when its wanted values have converged or its Krylov space is exhausted (then they
// are exact). image_index [B] int64 seeds each image's start vector, so an image's values do not
// depend on the batch it is in. top_k + bottom_k must not exceed min(in_dim, out_dim).
LanczosSingularValues lanczos_singular_values(JacobianAt& jacobian, const torch::Tensor& image_index,
                                              const SingularValueOptions& options);

// All singular values of each image's dense Jacobian [B, out, in] (float64): [B, min(out, in)],
// descending. Exactly-zero rows and columns are dropped before the SVD (LAPACK gesdd through
// torch::linalg_svdvals) and stand for zeros: a ReLU unit's Jacobian has a zero row for every output
// the ReLU cuts off, so this often halves the dimension (an SVD costs O(n^3)).
torch::Tensor dense_singular_values(const torch::Tensor& jacobians);

}  // namespace curvlab
