// Each image's dense Jacobian of a convolutional map, assembled from few vector-Jacobian products
// by exploiting its sparsity: an output pixel depends only on the input pixels within a known
// window (a residual unit of two 3x3 convolutions sees 5 x 5 input pixels), so output rows whose
// windows do not overlap share one backward pass (row compression, Curtis-Powell-Reid colouring).
// Not for: maps without that structure (dense_jacobian in jacobian_products.h), singular values.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "algorithms/jacobian/jacobian_products.h"

namespace curvlab {

// The sparsity of a map x [C, H, W] -> y [C', H', W'] (every image alike): output pixel (i, j)
// depends only on input pixels (a, b) with |a - stride i| <= radius and |b - stride j| <= radius, of
// every channel. A 3x3 convolution with padding 1 is {stride, 1}; a stride-1 basic block {1, 2}; a
// stride-2 basic block with the option A shortcut {2, 3}.
struct SpatialFootprint {
  std::int64_t stride = 1;
  std::int64_t radius = 0;
};

// The footprint of `second` applied after `first`: {s1 s2, s1 r2 + r1}.
SpatialFootprint compose(const SpatialFootprint& first, const SpatialFootprint& second);

// How many backward passes (output colours) one image's Jacobian takes: C' p_h p_w with
// p = min(H' or W', ceil((2 radius + 1) / stride)); out_shape = {C', H', W'}.
std::int64_t compressed_colours(const std::vector<std::int64_t>& out_shape, const SpatialFootprint& footprint);

// Each image's dense Jacobian [B, out_dim, in_dim] (float64) of f at x [B, C, H, W], f's output
// [B, C', H', W'] obeying `footprint` (not checked: a wrong footprint gives a wrong Jacobian; the
// tests compare against dense_jacobian). Output rows (c', i, j) of one colour (c', i mod p_h, j mod
// p_w) have disjoint input windows, so one cotangent summing their basis vectors gives each row's
// gradient on its own window. Copies of an image, one per colour, go through f `max_copies` at a
// time (one forward and one backward pass each).
torch::Tensor compressed_jacobian(const ImageMap& f, const torch::Tensor& x, const SpatialFootprint& footprint,
                                  std::int64_t max_copies = 512);

}  // namespace curvlab
