// The shallow decoder (Erichson et al. 2020, "Shallow neural networks for fluid flow reconstruction
// with limited sensors"): sensor readings -> Linear(s, w1), activation, batch norm -> Linear(w1, w2),
// activation, batch norm -> Linear(w2, m), the whole field. Parameter names as the reference's
// nn.Sequential blocks: learn_features.{0,2}, learn_coef.{0,2}, learn_dictionary.0. Weights Xavier-
// normal, biases zero (the reference's init). Twin: ShallowDecoder in scripts/python/curvlab_models.py.
// Not for: the POD baselines (algorithms/flow/pod.h).
#pragma once

#include <torch/nn/modules/container/modulelist.h>

#include <cstdint>
#include <vector>

#include "engine/models/activation.h"
#include "engine/models/model.h"

namespace curvlab {

class ShallowDecoderImpl : public NetImpl {
 public:
  // widths: the two hidden widths (default 40, 45); outputs: m, the field's pixels.
  ShallowDecoderImpl(std::int64_t sensors, const std::vector<std::int64_t>& widths, ActivationFn activation,
                     DecoderNorm norm, std::int64_t outputs);
  // x [B, 1, 1, s] (or [B, s]) -> [B, m]
  torch::Tensor forward(torch::Tensor x) override;

 private:
  // One hidden block: Linear, activation, batch norm (as norm_ says). x [B, in] -> [B, out]
  torch::Tensor block(torch::nn::ModuleList& b, torch::Tensor x);
  torch::nn::ModuleList learn_features_, learn_coef_, learn_dictionary_;
  ActivationFn act_;
  DecoderNorm norm_;
};

}  // namespace curvlab
