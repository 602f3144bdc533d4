// The multilayer perceptron.
#include "engine/models/mlp.h"

#include "base/error.h"

namespace curvlab {
MlpImpl::MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& widths, ActivationFn activation,
                 std::int64_t num_classes)
    : act_(activation) {
  std::int64_t in = in_features;
  std::vector<std::int64_t> outs = widths;
  outs.push_back(num_classes);
  for (size_t i = 0; i < outs.size(); ++i) {
    CURVLAB_CHECK(outs[i] >= 1, ConfigError,
                  "model.widths must all be >= 1 (width " + std::to_string(i) + " is " + std::to_string(outs[i]) + ")");
    layers_.push_back(register_module("fc" + std::to_string(i + 1), CaptureLinear(in, outs[i])));
    in = outs[i];
  }
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  x = x.flatten(1);  // [B, D]
  for (size_t i = 0; i + 1 < layers_.size(); ++i) x = act_(layers_[i]->forward(x), is_training());
  return layers_.back()->forward(x);  // [B, classes]
}

}  // namespace curvlab
