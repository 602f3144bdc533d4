// The multilayer perceptron.
#include "engine/models/mlp.h"

#include "base/error.h"

namespace curvlab {
namespace {

torch::Tensor relu(const torch::Tensor& x) { return torch::relu(x); }
torch::Tensor tanh_act(const torch::Tensor& x) { return torch::tanh(x); }
torch::Tensor gelu(const torch::Tensor& x) { return torch::gelu(x); }
torch::Tensor sigmoid(const torch::Tensor& x) { return torch::sigmoid(x); }

}  // namespace

const EnumNames<Activation>& activation_names() {
  static const EnumNames<Activation> names = {{Activation::kRelu, "relu"}, {Activation::kTanh, "tanh"},
                                              {Activation::kGelu, "gelu"}, {Activation::kSigmoid, "sigmoid"}};
  return names;
}

MlpImpl::MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& widths, Activation activation,
                 std::int64_t num_classes) {
  switch (activation) {
    case Activation::kRelu: activation_ = relu; break;
    case Activation::kTanh: activation_ = tanh_act; break;
    case Activation::kGelu: activation_ = gelu; break;
    case Activation::kSigmoid: activation_ = sigmoid; break;
  }
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
  for (size_t i = 0; i + 1 < layers_.size(); ++i) x = activation_(layers_[i]->forward(x));
  return layers_.back()->forward(x);  // [B, classes]
}

}  // namespace curvlab
