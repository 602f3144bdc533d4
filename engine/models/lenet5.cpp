// LeNet-5.
#include "engine/models/lenet5.h"

#include "base/error.h"

namespace curvlab {

std::int64_t lenet5_padding(std::int64_t h, std::int64_t w) { return (h < 32 || w < 32) ? 2 : 0; }

LeNet5Impl::LeNet5Impl(const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes, ActivationFn act)
    : act_(act) {
  const std::int64_t c = sample_shape.at(0), h = sample_shape.at(1), w = sample_shape.at(2);
  const std::int64_t pad = lenet5_padding(h, w);
  // Spatial sizes: conv1 keeps H + 2p - 4, pool halves, conv2 takes 4, pool halves.
  const std::int64_t h2 = ((h + 2 * pad - 4) / 2 - 4) / 2, w2 = ((w + 2 * pad - 4) / 2 - 4) / 2;
  CURVLAB_CHECK(h2 >= 1 && w2 >= 1 && (h + 2 * pad - 4) / 2 >= 6 && (w + 2 * pad - 4) / 2 >= 6, ConfigError,
                "lenet5 needs inputs of at least 12x12 (two 5x5 convolutions and two 2x2 poolings); got " +
                    std::to_string(h) + "x" + std::to_string(w) + "; use convnet or mlp for smaller inputs");
  namespace nn = torch::nn;
  conv1_ = register_module("conv1", CaptureConv2d(nn::Conv2dOptions(c, 6, 5).padding(pad)));
  conv2_ = register_module("conv2", CaptureConv2d(nn::Conv2dOptions(6, 16, 5)));
  fc1_ = register_module("fc1", CaptureLinear(16 * h2 * w2, 120));
  fc2_ = register_module("fc2", CaptureLinear(120, 84));
  fc3_ = register_module("fc3", CaptureLinear(84, num_classes));
}

torch::Tensor LeNet5Impl::forward(torch::Tensor x) {
  const bool t = is_training();
  x = torch::max_pool2d(act_(conv1_->forward(x), t), 2);  // [B, 6, (H+2p-4)/2, ...]
  x = torch::max_pool2d(act_(conv2_->forward(x), t), 2);  // [B, 16, h2, w2]
  x = act_(fc1_->forward(x.flatten(1)), t);               // [B, 120]
  x = act_(fc2_->forward(x), t);                          // [B, 84]
  return fc3_->forward(x);                                    // [B, classes]
}

}  // namespace curvlab
