// The hidden activations of every model, and their names.
#include "engine/models/activation.h"


namespace curvlab {

const EnumNames<Activation>& activation_names() {
  static const EnumNames<Activation> names = {{Activation::kRelu, "relu"},
                                              {Activation::kTanh, "tanh"},
                                              {Activation::kGelu, "gelu"},
                                              {Activation::kSigmoid, "sigmoid"},
                                              {Activation::kJumpRelu, "jumprelu"}};
  return names;
}

torch::Tensor activate(const torch::Tensor& x, Activation activation, double kappa, bool training) {
  switch (activation) {
    case Activation::kRelu: return torch::relu(x);
    case Activation::kTanh: return torch::tanh(x);
    case Activation::kGelu: return torch::gelu(x);
    case Activation::kSigmoid: return torch::sigmoid(x);
    case Activation::kJumpRelu:
      if (training) return torch::relu(x);
      return x * x.gt(kappa).to(x.scalar_type());  // x * 1[x > kappa]; gradient: the mask
  }
  return torch::relu(x);
}

}  // namespace curvlab
