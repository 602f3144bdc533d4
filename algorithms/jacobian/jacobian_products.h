// Jacobian-vector and vector-Jacobian products of a map applied image by image (a residual unit, a
// stage, a feature extractor), and each image's dense Jacobian assembled from batched
// vector-Jacobian products. Not for: singular values (singular_values.h) or which map (the job).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>

namespace curvlab {

// x [B, in...] -> [B, out...], each image's output depending only on that image (eval mode: batch
// norm on running statistics). The map's parameters need not require grad.
using ImageMap = std::function<torch::Tensor(const torch::Tensor&)>;

// The Jacobians J_b = d f(x)_b / d x_b of every image of a batch, at x, for as many products as
// wanted: one forward pass when built, kept with its graph; each vjp is one backward pass through
// it, each jvp one backward pass through the graph of the vjp (built once, at the first jvp: the
// double-backward trick, J v = d/du (J^T u) . v). Products are per image: v [B, in...] gives J_b v_b.
class JacobianAt {
 public:
  JacobianAt(const ImageMap& f, const torch::Tensor& x);

  const torch::Tensor& output() const { return y_; }  // f(x) [B, out...], without a graph
  std::int64_t in_dim() const { return in_dim_; }      // per image
  std::int64_t out_dim() const { return out_dim_; }
  torch::Tensor vjp(const torch::Tensor& u);  // u [B, out...] or [B, out_dim] -> J^T u [B, in_dim]
  torch::Tensor jvp(const torch::Tensor& v);  // v [B, in...] or [B, in_dim] -> J v [B, out_dim]

 private:
  torch::Tensor x_, y_graph_, y_;
  torch::Tensor u_, jt_u_;  // the double-backward graph: u a leaf, jt_u_ = J^T u with its graph
  std::int64_t in_dim_ = 0, out_dim_ = 0;
};

// Each image's dense Jacobian [B, out_dim, in_dim] (float64): image b is replicated `rows` times
// and `rows` basis cotangents are back-propagated in one pass, so an image takes one forward pass
// without a graph (out_dim) and ceil(out_dim / rows) forward and backward passes over at most
// `rows` copies. rows >= 1. For convolutional maps compressed_jacobian.h needs far fewer. Measured with the
// same scheme in PyTorch on a 3136-dimensional unit (4 x 28 x 28, 1 thread): 0.64 s at 64 rows,
// against 0.39 s for torch.autograd.functional.jacobian(vectorize=True), which runs the forward
// once; a unit's Jacobian is sparse (its receptive field is 5 x 5 pixels), so a compressed
// assembly probing structurally independent columns together is the way to beat it.
torch::Tensor dense_jacobian(const ImageMap& f, const torch::Tensor& x, std::int64_t rows = 256);

}  // namespace curvlab
