// The multilayer perceptron: flatten, hidden Linear layers fc1..fcL with an activation, and a
// final Linear fc(L+1) to the classes. Twin: MLP in scripts/python/curvlab_models.py.
// Not for: choosing a model by name (model_registry.cpp).
#pragma once

#include <string>
#include <vector>

#include "algorithms/kfac/capture_layers.h"
#include "engine/models/activation.h"
#include "engine/models/model.h"

namespace curvlab {

class MlpImpl : public NetImpl {
 public:
  // activation: relu | tanh | gelu (exact, erf) | sigmoid | jumprelu (activation.h).
  MlpImpl(std::int64_t in_features, const std::vector<std::int64_t>& widths, ActivationFn activation,
          std::int64_t num_classes);
  // x [B, C, H, W] (or [B, D]) -> logits [B, classes]
  torch::Tensor forward(torch::Tensor x) override;

 private:
  std::vector<CaptureLinear> layers_;  // fc1 .. fc(L+1)
  ActivationFn act_;
};


}  // namespace curvlab
