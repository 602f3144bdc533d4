// The CIFAR ResNets of He et al. 2016 (section 4.2): depth 6n + 2 (resnet20/32/44/56/110 have
// n = 3/5/7/9/18). conv1 (C -> w1, 3x3) + bn1 + act, three stages layer1..3 of n basic blocks
// with w1/w2/w3 channels (16/32/64 unless model.widths; the first block of layer2 and layer3 has
// stride 2), global average pooling, linear (w3 -> classes). The residual units are reachable one
// by one (the Jacobian analysis linearises each), with the skip and the residual branch scaled. Shortcuts are option A: identity, or, where the shape changes,
// the parameter-free x[:, :, ::2, ::2] zero-padded with planes/4 channels on each side.
// act is [model] activation (relu by default; activation.h), also after each block's sum.
// Attribute names and init follow akamaster/pytorch_resnet_cifar10 (kaiming_normal_ conv and
// linear weights; no conv biases). Twin: ResNet in scripts/python/curvlab_models.py.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>

#include <string>
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
  // act(alpha * shortcut(x) + beta * F(x)), F the residual branch bn2(conv2(act(bn1(conv1(x))))):
  // alpha scales the skip connection, beta the branch (the same as scaling bn2's weight and bias).
  // forward(x) = forward_scaled(x, 1, 1) exactly.
  torch::Tensor forward_scaled(const torch::Tensor& x, double alpha, double beta);

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
  // blocks_per_stage = n; sample_shape: C, H, W; widths: the three stage widths w, 2w, 4w.
  ResNetImpl(std::int64_t blocks_per_stage, const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes,
             ActivationFn act = {}, const std::vector<std::int64_t>& widths = {16, 32, 64});
  // x [B, C, H, W] -> logits [B, classes]
  torch::Tensor forward(torch::Tensor x) override;

  // The residual units in order: 3n basic blocks, unit k = stage k / n, block k % n.
  std::int64_t num_units() const { return static_cast<std::int64_t>(units_.size()); }
  std::int64_t blocks_per_stage() const { return blocks_per_stage_; }
  std::string unit_name(std::int64_t k) const;  // "layer2.0", the block's parameter prefix
  BasicBlock& unit(std::int64_t k);
  // The input of unit k for images x (the stem's output for k = 0; k = num_units(): the last unit's
  // output, the features before pooling).
  torch::Tensor features(const torch::Tensor& x, std::int64_t k);
  // Logits from the last unit's output [B, w3, H', W'] (pooling and linear).
  torch::Tensor head(const torch::Tensor& features);
  // x [B, C, H, W] -> the input of unit 0 [B, w1, H, W]: act(bn1(conv1(x))).
  torch::Tensor stem(const torch::Tensor& x);
  // Every unit computes forward_scaled(x, alpha, beta) in forward() and features() from now on
  // (the Jacobian analysis rescales a trained network without retraining); (1, 1) is the network
  // as trained, bitwise.
  void set_scaling(double alpha, double beta);
  double alpha() const { return alpha_; }
  double beta() const { return beta_; }
  // Unit k's stride (1, or 2 for the first unit of layer2 and layer3).
  std::int64_t unit_stride(std::int64_t k) const { return k > 0 && k % blocks_per_stage_ == 0 ? 2 : 1; }

 private:
  CaptureConv2d conv1_{nullptr};
  SyncableBatchNorm2d bn1_{nullptr};
  torch::nn::Sequential layer1_{nullptr}, layer2_{nullptr}, layer3_{nullptr};
  CaptureLinear linear_{nullptr};
  ActivationFn act_;
  std::int64_t blocks_per_stage_ = 0;
  std::vector<BasicBlock> units_;
  double alpha_ = 1.0, beta_ = 1.0;
};

}  // namespace curvlab
