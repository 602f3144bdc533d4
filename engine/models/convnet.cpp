// The default small CNN.
#include "engine/models/convnet.h"

#include "base/error.h"

namespace curvlab {

ConvNetImpl::ConvNetImpl(const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes, ActivationFn act)
    : act_(act) {
  const std::int64_t c = sample_shape.at(0), h = sample_shape.at(1), w = sample_shape.at(2);
  CURVLAB_CHECK(h >= 4 && w >= 4, ConfigError,
                "convnet needs inputs of at least 4x4 (two 2x2 poolings); got " + std::to_string(h) + "x" +
                    std::to_string(w));
  namespace nn = torch::nn;
  conv1_ = register_module("conv1", CaptureConv2d(nn::Conv2dOptions(c, 32, 3).padding(1)));
  conv2_ = register_module("conv2", CaptureConv2d(nn::Conv2dOptions(32, 64, 3).padding(1)));
  fc1_ = register_module("fc1", CaptureLinear(64 * (h / 4) * (w / 4), 128));
  fc2_ = register_module("fc2", CaptureLinear(128, num_classes));
}

torch::Tensor ConvNetImpl::forward(torch::Tensor x) {
  const bool t = is_training();
  x = torch::max_pool2d(act_(conv1_->forward(x), t), 2);  // [B, 32, H/2, W/2]
  x = torch::max_pool2d(act_(conv2_->forward(x), t), 2);  // [B, 64, H/4, W/4]
  x = act_(fc1_->forward(x.flatten(1)), t);               // [B, 128]
  return fc2_->forward(x);                                    // [B, classes]
}

}  // namespace curvlab
