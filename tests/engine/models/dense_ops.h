// Dense reference operations for the model tests, in float64 and without the layers under test:
// a convolution as im2col (unfold) times the weight matrix, 2x2 max pooling by reshaping, and a
// linear layer as a matmul.
#pragma once

#include <torch/torch.h>

namespace curvlab::dense {

// x [B, C, H, W], w [O, C, k, k], b [O] (or undefined) -> [B, O, H', W'] (stride 1).
inline torch::Tensor conv(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, std::int64_t pad) {
  const std::int64_t k = w.size(2), o = w.size(0);
  const std::int64_t h = x.size(2) + 2 * pad - k + 1, wd = x.size(3) + 2 * pad - k + 1;
  namespace F = torch::nn::functional;
  const torch::Tensor cols = F::unfold(x, F::UnfoldFuncOptions({k, k}).padding(pad));  // [B, C k k, H' W']
  torch::Tensor y = w.reshape({o, -1}).matmul(cols);                                    // [B, O, H' W']
  if (b.defined()) y = y + b.view({1, o, 1});
  return y.reshape({x.size(0), o, h, wd});
}

// 2x2 max pooling, floor mode: [B, C, H, W] -> [B, C, H/2, W/2].
inline torch::Tensor pool2(const torch::Tensor& x) {
  const std::int64_t h = x.size(2) / 2, w = x.size(3) / 2;
  return x.slice(2, 0, 2 * h).slice(3, 0, 2 * w).reshape({x.size(0), x.size(1), h, 2, w, 2}).amax({3, 5});
}

inline torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return x.matmul(w.t()) + b;
}

}  // namespace curvlab::dense
