// The model interface every layer shares: a torch::nn::Module with forward(inputs) -> outputs.
// Lives in base/ so that algorithms (Hessian products, K-FAC, attacks) can take a model without
// knowing the model registry (engine/models/model.h builds them by name).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>

namespace curvlab {

// Every curvlab model: maps inputs [B, ...] to outputs (logits [B, classes] for classifiers).
class NetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};
using Net = std::shared_ptr<NetImpl>;

}  // namespace curvlab
