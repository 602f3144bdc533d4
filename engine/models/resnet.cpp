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

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) { return forward_scaled(x, 1.0, 1.0); }

torch::Tensor BasicBlockImpl::forward_scaled(const torch::Tensor& x, double alpha, double beta) {
  auto out = act_(bn1_->forward(conv1_->forward(x)), is_training());  // [B, planes, H', W']
  out = bn2_->forward(conv2_->forward(out));
  torch::Tensor shortcut = x;
  if (pad_channels_ > 0 || stride_ != 1) {
    // x[:, :, ::s, ::s] with planes/4 zero channels before and after: [B, planes, H', W']
    auto sub = x.slice(2, 0, x.size(2), stride_).slice(3, 0, x.size(3), stride_);
    shortcut = torch::constant_pad_nd(sub, {0, 0, 0, 0, pad_channels_, pad_channels_}, 0);
  }
  // Unscaled, exactly the sum of PyTorch's block (no multiplications by 1).
  if (alpha != 1.0) shortcut = shortcut * alpha;
  if (beta != 1.0) out = out * beta;
  return act_(out + shortcut, is_training());
}

ResNetImpl::ResNetImpl(std::int64_t n, const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes,
                       ActivationFn act, const std::vector<std::int64_t>& widths)
    : act_(act), blocks_per_stage_(n) {
  CURVLAB_CHECK(n >= 1, ConfigError, "a ResNet needs at least one block per stage");
  const std::string why = resnet_widths_problem(widths);
  CURVLAB_CHECK(why.empty(), ConfigError, "ResNet: " + why);
  const std::int64_t c = sample_shape.at(0);
  conv1_ = register_module("conv1", conv3x3(c, widths[0], 1));
  bn1_ = register_module("bn1", SyncableBatchNorm2d(widths[0]));
  std::int64_t in_planes = widths[0];
  layer1_ = register_module("layer1", make_stage(&in_planes, widths[0], n, 1, act));
  layer2_ = register_module("layer2", make_stage(&in_planes, widths[1], n, 2, act));
  layer3_ = register_module("layer3", make_stage(&in_planes, widths[2], n, 2, act));
  linear_ = register_module("linear", CaptureLinear(widths[2], num_classes));
  for (const auto& stage : {layer1_, layer2_, layer3_}) {
    for (std::size_t i = 0; i < stage->size(); ++i) units_.push_back(BasicBlock(stage->ptr<BasicBlockImpl>(i)));
  }

  // akamaster's _weights_init: kaiming_normal_ (fan_in, gain sqrt(2)) on every Conv2d and Linear weight.
  torch::NoGradGuard no_grad;
  for (const auto& ref : capture_layers(*this)) {
    torch::nn::init::kaiming_normal_(ref.module->named_parameters(false)["weight"]);
  }
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  if (alpha_ != 1.0 || beta_ != 1.0) return head(features(x, num_units()));
  x = stem(x);               // [B, w1, H, W]
  x = layer1_->forward(x);   // [B, w1, H, W]
  x = layer2_->forward(x);   // [B, w2, H/2, W/2]
  x = layer3_->forward(x);   // [B, w3, H/4, W/4]
  return head(x);
}

torch::Tensor ResNetImpl::stem(const torch::Tensor& x) {
  return act_(bn1_->forward(conv1_->forward(x)), is_training());
}

void ResNetImpl::set_scaling(double alpha, double beta) {
  alpha_ = alpha;
  beta_ = beta;
}

torch::Tensor ResNetImpl::head(const torch::Tensor& features) {
  return linear_->forward(features.mean({2, 3}));  // [B, w3] -> [B, classes]
}

std::string ResNetImpl::unit_name(std::int64_t k) const {
  CURVLAB_CHECK(k >= 0 && k < num_units(), ConfigError,
                "ResNet: no residual unit " + std::to_string(k) + " (it has " + std::to_string(num_units()) + ")");
  return "layer" + std::to_string(k / blocks_per_stage_ + 1) + "." + std::to_string(k % blocks_per_stage_);
}

BasicBlock& ResNetImpl::unit(std::int64_t k) {
  CURVLAB_CHECK(k >= 0 && k < num_units(), ConfigError,
                "ResNet: no residual unit " + std::to_string(k) + " (it has " + std::to_string(num_units()) + ")");
  return units_[static_cast<std::size_t>(k)];
}

torch::Tensor ResNetImpl::features(const torch::Tensor& x, std::int64_t k) {
  CURVLAB_CHECK(k >= 0 && k <= num_units(), ConfigError,
                "ResNet: features before unit " + std::to_string(k) + " of " + std::to_string(num_units()));
  torch::Tensor h = stem(x);
  for (std::int64_t i = 0; i < k; ++i) h = units_[static_cast<std::size_t>(i)]->forward_scaled(h, alpha_, beta_);
  return h;
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
