// Turning raw pixels into network inputs: uint8 -> float32 in [0, 1], per-channel mean/std, and
// normalization with given statistics. Whole-tensor operations only (no per-sample work).
// Not for: reading files (idx_reader.h, cifar_reader.h) or batching (loader.h).
#pragma once

#include <torch/types.h>

#include <vector>

namespace curvlab {

// uint8 [N, C, H, W] -> float32 [N, C, H, W] with values x / 255.
torch::Tensor to_unit_float(const torch::Tensor& images);

// Per-channel mean and population standard deviation of x [N, C, H, W] (accumulated in double,
// two passes, in chunks so no double copy of the whole tensor is made).
void channel_stats(const torch::Tensor& x, std::vector<double>* mean, std::vector<double>* stdev);

// x[:, c] = (x[:, c] - mean[c]) / stdev[c], in place (a stdev below 1e-12 is taken as 1).
void normalize_channels(torch::Tensor& x, const std::vector<double>& mean, const std::vector<double>& stdev);

}  // namespace curvlab
