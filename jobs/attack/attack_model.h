// The models an attack study attacks: a checkpoint's network as one copy per JumpReLU kappa on the
// same weights. Not for: the normalisation in front
// (engine/models/pixel_net.h), the attacks (algorithms/attack/) or the results (attack_results.h).
#pragma once

#include <torch/types.h>

#include <vector>

#include "base/net.h"
#include "engine/models/model_options.h"

namespace curvlab {

// `trained` (built from `spec`) with activation jumprelu at `kappa`, parameters and buffers copied.
Net with_kappa(const Net& trained, const ModelOptions& spec, double kappa,
               const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes);

}  // namespace curvlab
