// How an input perturbation travels through a chain of maps (a ResNet's stem, then its residual
// units): per map the growth of the true difference, the growth of its linearisation (the product
// of the maps' Jacobians at the clean trajectory applied to the perturbation), the linearity gap
// between the two, and the share of the difference entering a map that lies along that map's top
// right singular vectors. Not for: choosing the perturbations (the jacobian job kind).
#pragma once

#include <torch/types.h>

#include <vector>

#include "algorithms/jacobian/jacobian_products.h"

namespace curvlab {

// The clean trajectory x_0 = x, x_{k+1} = maps[k](x_k) of a batch, with each map's Jacobian at its
// clean input (one forward graph per map, kept for the products).
class Trajectory {
 public:
  Trajectory(const std::vector<ImageMap>& maps, const torch::Tensor& x);
  std::size_t size() const { return at_.size(); }
  JacobianAt& jacobian(std::size_t k) { return at_[k]; }
  const torch::Tensor& input() const { return x_; }
  // x_{k+1} [B, ...] (no graph)
  const torch::Tensor& output(std::size_t k) const { return at_[k].output(); }
  const std::vector<ImageMap>& maps() const { return maps_; }

 private:
  std::vector<ImageMap> maps_;
  torch::Tensor x_;
  std::vector<JacobianAt> at_;
};

// Per image b and map k (outputs of maps 0..K-1), all float64 [B, K]:
struct Propagation {
  torch::Tensor growth;         // ||x_{k+1}(x + d) - x_{k+1}(x)|| / ||d||
  torch::Tensor linear_growth;  // ||J_k ... J_0 d|| / ||d||
  torch::Tensor gap;            // ||(x_{k+1}(x + d) - x_{k+1}(x)) - J_k ... J_0 d|| / ||x_{k+1}(x + d) - x_{k+1}(x)||
  torch::Tensor projection;     // with top vectors for map k: ||V_k^T e_k|| / ||e_k||, e_k = x_k(x + d) - x_k(x)
                                //   the difference entering map k; NaN where no vectors were given
};

// Sends d [B, ...] (the shape of x) through the maps. top_vectors[k] (may be undefined): float64
// [B, k_vec, in_dim of map k], orthonormal rows per image.
Propagation propagate(Trajectory& trajectory, const torch::Tensor& d, const std::vector<torch::Tensor>& top_vectors);

}  // namespace curvlab
