// LeNet-5 (LeCun et al. 1998) with the modern choices of ReLU and max pooling:
// conv1 (C -> 6, 5x5, pad p), act, maxpool 2, conv2 (6 -> 16, 5x5), act, maxpool 2,
// fc1 (16 * h * w -> 120), act, fc2 (120 -> 84), act, fc3 (84 -> classes); act is [model]
// activation (relu by default; activation.h).
// p = 2 for inputs smaller than 32x32 (28x28 MNIST gives the classic 16x5x5 feature map), else 0
// (32x32 CIFAR gives 16x5x5 too). Twin: LeNet5 in scripts/python/curvlab_models.py.
#pragma once

#include <vector>

#include "algorithms/kfac/capture_layers.h"
#include "engine/models/activation.h"
#include "engine/models/model.h"

namespace curvlab {

// conv1's padding for an input of H x W (2 when H < 32 or W < 32, else 0).
std::int64_t lenet5_padding(std::int64_t h, std::int64_t w);

class LeNet5Impl : public NetImpl {
 public:
  // sample_shape: C, H, W with H, W >= 12; ConfigError otherwise.
  LeNet5Impl(const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes, ActivationFn act = {});
  // x [B, C, H, W] -> logits [B, classes]
  torch::Tensor forward(torch::Tensor x) override;

 private:
  CaptureConv2d conv1_{nullptr}, conv2_{nullptr};
  CaptureLinear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  ActivationFn act_;
};

}  // namespace curvlab
