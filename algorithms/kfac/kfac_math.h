// The dense maths of K-FAC on one Kronecker block: running averages of the factors, their
// eigendecompositions or damped inverses, and the preconditioned gradient. Pure tensor functions,
// no communication (see kfac_preconditioner.h for who computes what). Formulas: docs/kfac.md.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "algorithms/kfac/kfac_options.h"

namespace curvlab {

// The torch dtype of a K-FAC dtype option.
torch::ScalarType to_scalar_type(KfacDtype dtype);

// What preconditioning a block needs from its factors.
//   eigen:   A = Q_A diag(d_A) Q_A^T, G = Q_G diag(d_G) Q_G^T, eigenvalues clamped at 0
//   inverse: (A + damping I)^-1 and (G + damping I)^-1
struct Decomposition {
  torch::Tensor qa, da, qg, dg;   // eigen: [a, a], [a], [g, g], [g]
  torch::Tensor a_inv, g_inv;     // inverse: [a, a], [g, g]
  bool defined() const { return qa.defined() || a_inv.defined(); }
  // The tensors of `method` in a fixed order (for broadcasts and checkpoints), and their names.
  std::vector<torch::Tensor*> tensors(KfacMethod method);
  static std::vector<std::string> names(KfacMethod method);
  // Shapes of those tensors for a block of dimensions a_dim, g_dim.
  static std::vector<std::vector<std::int64_t>> shapes(KfacMethod method, std::int64_t a_dim, std::int64_t g_dim);
};

// F <- decay * F + (1 - decay) * F_new with F_new = scale * fresh, where an undefined F starts as the
// identity (kfac-pytorch). The scale (e.g. 1 / rows) is applied without a temporary.
void update_running_factor(torch::Tensor& factor, const torch::Tensor& fresh, double decay, double scale = 1.0);

// The decomposition of one block from its factors, computed in `dtype`. `damping` is used by the
// inverse method only (the eigen method adds it when preconditioning).
Decomposition decompose(const torch::Tensor& a, const torch::Tensor& g, KfacMethod method, double damping,
                        torch::ScalarType dtype);

// The preconditioned gradient of a block: grad [g_dim, a_dim] (bias as the last column), same
// shape and dtype out.
//   eigen:   Q_G [(Q_G^T grad Q_A) / (d_G d_A^T + damping)] Q_A^T
//   inverse: (G + damping I)^-1 grad (A + damping I)^-1
torch::Tensor precondition_block(const torch::Tensor& grad, const Decomposition& d, KfacMethod method,
                                 double damping);

}  // namespace curvlab
