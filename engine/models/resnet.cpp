// The CIFAR ResNets (option A shortcuts).
#include "engine/models/resnet.h"

#include <torch/nn/init.h>

#include "base/error.h"

namespace curvlab {
namespace {

namespace nn = torch::nn;

CaptureConv2d conv3x3(std::int64_t in, std::int64_t out, std::int64_t stride) {
  return CaptureConv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

nn::Sequential make_stage(std::int64_t* in_planes, std::int64_t planes, std::int64_t blocks, std::int64_t stride,
                          ActivationFn act) {
  nn::Sequential stage;
  for (std::int64_t i = 0; i < blocks; ++i) {
    stage->push_back(BasicBlock(*in_planes, planes, i == 0 ? stride : 1, act));
    *in_planes = planes;
  }
  return stage;
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(std::int64_t in_planes, std::int64_t planes, std::int64_t stride, ActivationFn act)
    : stride_(stride), act_(act) {
  conv1_ = register_module("conv1", conv3x3(in_planes, planes, stride));
  bn1_ = register_module("bn1", SyncableBatchNorm2d(planes));
  conv2_ = register_module("conv2", conv3x3(planes, planes, 1));
  bn2_ = register_module("bn2", SyncableBatchNorm2d(planes));
  if (stride != 1 || in_planes != planes) {
    CURVLAB_CHECK(in_planes + 2 * (planes / 4) == planes, ConfigError,
                  "option A shortcut needs planes = 2 * in_planes (got " + std::to_string(in_planes) + " -> " +
                      std::to_string(planes) + ")");
    pad_channels_ = planes / 4;
  }
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  auto out = act_(bn1_->forward(conv1_->forward(x)), is_training());  // [B, planes, H', W']
  out = bn2_->forward(conv2_->forward(out));
  torch::Tensor shortcut = x;
  if (pad_channels_ > 0 || stride_ != 1) {
    // x[:, :, ::s, ::s] with planes/4 zero channels before and after: [B, planes, H', W']
    auto sub = x.slice(2, 0, x.size(2), stride_).slice(3, 0, x.size(3), stride_);
    shortcut = torch::constant_pad_nd(sub, {0, 0, 0, 0, pad_channels_, pad_channels_}, 0);
  }
  return act_(out + shortcut, is_training());
}

ResNetImpl::ResNetImpl(std::int64_t n, const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes,
                       ActivationFn act)
    : act_(act) {
  CURVLAB_CHECK(n >= 1, ConfigError, "a ResNet needs at least one block per stage");
  const std::int64_t c = sample_shape.at(0);
  conv1_ = register_module("conv1", conv3x3(c, 16, 1));
  bn1_ = register_module("bn1", SyncableBatchNorm2d(16));
  std::int64_t in_planes = 16;
  layer1_ = register_module("layer1", make_stage(&in_planes, 16, n, 1, act));
  layer2_ = register_module("layer2", make_stage(&in_planes, 32, n, 2, act));
  layer3_ = register_module("layer3", make_stage(&in_planes, 64, n, 2, act));
  linear_ = register_module("linear", CaptureLinear(64, num_classes));

  // akamaster's _weights_init: kaiming_normal_ (fan_in, gain sqrt(2)) on every Conv2d and Linear weight.
  torch::NoGradGuard no_grad;
  for (const auto& ref : capture_layers(*this)) {
    torch::nn::init::kaiming_normal_(ref.module->named_parameters(false)["weight"]);
  }
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = act_(bn1_->forward(conv1_->forward(x)), is_training());  // [B, 16, H, W]
  x = layer1_->forward(x);                             // [B, 16, H, W]
  x = layer2_->forward(x);                             // [B, 32, H/2, W/2]
  x = layer3_->forward(x);                             // [B, 64, H/4, W/4]
  x = x.mean({2, 3});                                  // [B, 64]
  return linear_->forward(x);                          // [B, classes]
}

std::int64_t resnet_blocks_per_stage(const std::string& name) {
  if (name == "resnet20") return 3;
  if (name == "resnet32") return 5;
  if (name == "resnet44") return 7;
  if (name == "resnet56") return 9;
  if (name == "resnet110") return 18;
  return 0;
}

}  // namespace curvlab
