// The hidden activations of every model (relu, tanh, gelu, sigmoid, jumprelu), chosen by
// [model] activation and kappa. Not for: the models themselves (mlp.cpp, lenet5.cpp, ...).
#pragma once

#include <torch/types.h>

#include "engine/models/model_options.h"

namespace curvlab {

// The activation of `spec` applied to x. `training` is the module's mode: JumpReLU (Erichson et
// al. 2019) is x * 1[x > kappa] at evaluation and the plain ReLU in training (the retrofit: a model
// trained with ReLU gets the jump only when evaluated or attacked). Its gradient is the mask
// 1[x > kappa] (the jump itself has no gradient). relu is torch::relu exactly.
torch::Tensor activate(const torch::Tensor& x, Activation activation, double kappa, bool training);

// Binds a model's activation and kappa; act(x, is_training()) applies it.
struct ActivationFn {
  Activation activation = Activation::kRelu;
  double kappa = 0.0;
  torch::Tensor operator()(const torch::Tensor& x, bool training) const {
    return activate(x, activation, kappa, training);
  }
};

}  // namespace curvlab
