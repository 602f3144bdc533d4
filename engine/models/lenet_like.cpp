// The LeNet-like network of the JumpReLU paper.
#include "engine/models/lenet_like.h"

#include "base/error.h"

namespace curvlab {

LeNetLikeImpl::LeNetLikeImpl(const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes,
                             ActivationFn act)
    : act_(act) {
  const std::int64_t c = sample_shape.at(0), h = sample_shape.at(1), w = sample_shape.at(2);
  // Spatial sizes: conv1 takes 4, pool halves, conv2 takes 4, pool halves.
  CURVLAB_CHECK(h >= 16 && w >= 16, ConfigError,
                "lenet_like needs inputs of at least 16x16 (two 5x5 convolutions and two 2x2 poolings); got " +
                    std::to_string(h) + "x" + std::to_string(w) + "; use convnet or mlp for smaller inputs");
  const std::int64_t h2 = ((h - 4) / 2 - 4) / 2, w2 = ((w - 4) / 2 - 4) / 2;
  namespace nn = torch::nn;
  conv1_ = register_module("conv1", CaptureConv2d(nn::Conv2dOptions(c, 10, 5)));
  conv2_ = register_module("conv2", CaptureConv2d(nn::Conv2dOptions(10, 20, 5)));
  fc1_ = register_module("fc1", CaptureLinear(20 * h2 * w2, 120));
  fc2_ = register_module("fc2", CaptureLinear(120, 90));
  fc3_ = register_module("fc3", CaptureLinear(90, num_classes));
}

torch::Tensor LeNetLikeImpl::forward(torch::Tensor x) {
  const bool t = is_training();
  x = act_(torch::max_pool2d(conv1_->forward(x), 2), t);  // [B, 10, (H-4)/2, (W-4)/2]
  x = act_(torch::max_pool2d(conv2_->forward(x), 2), t);  // [B, 20, h2, w2]
  x = torch::dropout(x.flatten(1), 0.5, t);               // [B, 20 * h2 * w2]
  x = act_(fc1_->forward(x), t);                          // [B, 120]
  x = act_(fc2_->forward(x), t);                          // [B, 90]
  return fc3_->forward(x);                                // [B, classes]
}

}  // namespace curvlab
