// The CIFAR ResNets of He et al. 2016 (section 4.2): depth 6n + 2 (resnet20/32/44/56/110 have
// n = 3/5/7/9/18). conv1 (C -> 16, 3x3) + bn1 + act, three stages layer1..3 of n basic blocks
// with 16/32/64 channels (the first block of layer2 and layer3 has stride 2), global average
// pooling, linear (64 -> classes). Shortcuts are option A: identity, or, where the shape changes,
// the parameter-free x[:, :, ::2, ::2] zero-padded with planes/4 channels on each side.
// act is [model] activation (relu by default; activation.h), also after each block's sum.
// Attribute names and init follow akamaster/pytorch_resnet_cifar10 (kaiming_normal_ conv and
// linear weights; no conv biases). Twin: ResNet in scripts/python/curvlab_models.py.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>

#include <vector>

#include "engine/models/batchnorm.h"
#include "algorithms/kfac/capture_layers.h"
#include "engine/models/activation.h"
#include "engine/models/model.h"

namespace curvlab {

// conv1, bn1, conv2, bn2 (3x3 convolutions without bias); option A shortcut.
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(std::int64_t in_planes, std::int64_t planes, std::int64_t stride, ActivationFn act = {});
  // x [B, in_planes, H, W] -> [B, planes, ceil(H/stride), ceil(W/stride)]
  torch::Tensor forward(torch::Tensor x);

 private:
  CaptureConv2d conv1_{nullptr}, conv2_{nullptr};
  SyncableBatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  std::int64_t pad_channels_ = 0;  // > 0: option A shortcut with this many zero channels per side
  std::int64_t stride_ = 1;
  ActivationFn act_;
};
TORCH_MODULE(BasicBlock);

class ResNetImpl : public NetImpl {
 public:
  // blocks_per_stage = n; sample_shape: C, H, W.
  ResNetImpl(std::int64_t blocks_per_stage, const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes,
             ActivationFn act = {});
  // x [B, C, H, W] -> logits [B, classes]
  torch::Tensor forward(torch::Tensor x) override;

 private:
  CaptureConv2d conv1_{nullptr};
  SyncableBatchNorm2d bn1_{nullptr};
  torch::nn::Sequential layer1_{nullptr}, layer2_{nullptr}, layer3_{nullptr};
  CaptureLinear linear_{nullptr};
  ActivationFn act_;
};

// n for a resnet name ("resnet20" -> 3); 0 when the name is not a CIFAR ResNet.
std::int64_t resnet_blocks_per_stage(const std::string& name);

}  // namespace curvlab
