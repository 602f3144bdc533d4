// The default small CNN: conv1 (C -> 32, 3x3, pad 1), act, maxpool 2, conv2 (32 -> 64, 3x3,
// pad 1), act, maxpool 2, fc1 (64 * floor(H/4) * floor(W/4) -> 128), act, fc2 (128 -> classes);
// act is [model] activation (relu by default; activation.h).
// Twin: ConvNet in scripts/python/curvlab_models.py.
#pragma once

#include <vector>

#include "algorithms/kfac/capture_layers.h"
#include "engine/models/activation.h"
#include "engine/models/model.h"

namespace curvlab {

class ConvNetImpl : public NetImpl {
 public:
  // sample_shape: C, H, W (H, W >= 4); ConfigError otherwise.
  ConvNetImpl(const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes, ActivationFn act = {});
  // x [B, C, H, W] -> logits [B, classes]
  torch::Tensor forward(torch::Tensor x) override;

 private:
  CaptureConv2d conv1_{nullptr}, conv2_{nullptr};
  CaptureLinear fc1_{nullptr}, fc2_{nullptr};
  ActivationFn act_;
};

}  // namespace curvlab
