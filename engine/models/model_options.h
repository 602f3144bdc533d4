// Options of the model registry ([model] in a job file): the architecture by name, the MLP's
// hidden widths or a ResNet's stage widths, and every model's hidden activation. Filled by jobs/; the registry (model.h) lists the names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class Activation { kRelu, kTanh, kGelu, kSigmoid, kJumpRelu };
// "relu", "tanh", "gelu", "sigmoid", "jumprelu" (engine/models/activation.h)
const EnumNames<Activation>& activation_names();

struct ModelOptions {
  std::string name = "convnet";                   // a name of model_names() (model.h)
  std::vector<std::int64_t> widths = {256, 128};  // mlp hidden widths; resnets: the 3 stage widths
  bool widths_given = false;                      // model.widths written (resnets: else 16, 32, 64)
  Activation activation = Activation::kRelu;      // every hidden activation of the model
  double kappa = 0.0;                             // jumprelu's threshold at evaluation, >= 0
};

}  // namespace curvlab
