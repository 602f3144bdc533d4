// The LeNet-like network of the JumpReLU paper (Erichson, Yao, Mahoney 2019; erichson/JumpReLU
// models/LeNetLike.py): conv1 (C -> 10, 5x5), maxpool 2, act, conv2 (10 -> 20, 5x5), maxpool 2,
// act, dropout 0.5 (training only), fc1 (20 * h * w -> 120), act, fc2 (120 -> 90), act,
// fc3 (90 -> classes); act is [model] activation (the paper: jumprelu). 28x28 inputs give the
// paper's 320 features. Twin: LeNetLike in scripts/python/curvlab_models.py.
#pragma once

#include <vector>

#include "algorithms/kfac/capture_layers.h"
#include "engine/models/activation.h"
#include "engine/models/model.h"

namespace curvlab {

class LeNetLikeImpl : public NetImpl {
 public:
  // sample_shape: C, H, W with H, W >= 16; ConfigError otherwise.
  LeNetLikeImpl(const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes, ActivationFn act = {});
  // x [B, C, H, W] -> logits [B, classes]
  torch::Tensor forward(torch::Tensor x) override;

 private:
  CaptureConv2d conv1_{nullptr}, conv2_{nullptr};
  CaptureLinear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  ActivationFn act_;
};

}  // namespace curvlab
