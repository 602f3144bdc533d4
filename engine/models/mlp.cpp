// The multilayer perceptron.
#include "engine/models/mlp.h"

#include "engine/error.h"

namespace curvlab {
namespace {

torch::Tensor relu(const torch::Tensor& x) { return torch::relu(x); }
torch::Tensor tanh_act(const torch::Tensor& x) { return torch::tanh(x); }
torch::Tensor gelu(const torch::Tensor& x) { return torch::gelu(x); }
torch::Tensor sigmoid(const torch::Tensor& x) { return torch::sigmoid(x); }

}  // namespace

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> kNames = {"relu", "tanh", "gelu", "sigmoid"};
  return kNames;
}

MlpImpl::MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& widths,
                 const std::string& activation, std::int64_t num_classes) {
  if (activation == "relu") activation_ = relu;
  if (activation == "tanh") activation_ = tanh_act;
  if (activation == "gelu") activation_ = gelu;
  if (activation == "sigmoid") activation_ = sigmoid;
  CURVLAB_CHECK(activation_ != nullptr, ConfigError,
                "unknown model.activation \"" + activation + "\"; allowed: relu, tanh, gelu, sigmoid");
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
