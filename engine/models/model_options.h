// Options of the model registry ([model] in a job file): the architecture by name, the MLP's
// hidden widths, a ResNet's stage widths or the shallow decoder's, and every model's hidden activation. Filled by jobs/; the registry (model.h) lists the names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class Activation { kRelu, kTanh, kGelu, kSigmoid, kJumpRelu };
// "relu", "tanh", "gelu", "sigmoid", "jumprelu" (engine/models/activation.h)
const EnumNames<Activation>& activation_names();

// The shallow decoder's batch norm: per feature (BatchNorm1d(width), the default), shared (one mean and
// variance over all features, BatchNorm1d(1) on [B, 1, width] as the reference code does), or none.
enum class DecoderNorm { kFeature, kShared, kNone };
const EnumNames<DecoderNorm>& decoder_norm_names();  // "feature", "shared", "none"

struct ModelOptions {
  std::string name = "convnet";                   // a name of model_names() (model.h)
  std::vector<std::int64_t> widths = {256, 128};  // mlp hidden widths; resnets: the 3 stage widths
  bool widths_given = false;                      // model.widths written (resnets: else 16, 32, 64)
  Activation activation = Activation::kRelu;      // every hidden activation of the model
  double kappa = 0.0;                             // jumprelu's threshold at evaluation, >= 0
  DecoderNorm batch_norm = DecoderNorm::kFeature;  // shallow_decoder only
};

}  // namespace curvlab
