// The model interface of curvlab and the registry that builds a model by name.
// Parameter names equal those of the equivalent PyTorch definition (scripts/python/curvlab_models.py).
#pragma once


#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/net.h"
#include "engine/models/model_options.h"

namespace curvlab {

// Names accepted in [model] name.
const std::vector<std::string>& model_names();
// Builds the model; parameters are initialised as PyTorch would, from the current torch seed.
// ConfigError for an unknown name, an input the model cannot take, or kappa < 0.
Net make_model(const ModelOptions& spec, const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes);
// n (blocks per stage) for a CIFAR ResNet name ("resnet20" -> 3); 0 when the name is not one.
std::int64_t resnet_blocks_per_stage(const std::string& name);
// The shallow decoder's hidden widths: spec.widths when given, else 40, 45.
std::vector<std::int64_t> decoder_widths(const ModelOptions& spec);
// A ResNet's stage widths: spec.widths when given, else 16, 32, 64.
std::vector<std::int64_t> resnet_widths(const ModelOptions& spec);
// What is wrong with stage widths for option A shortcuts ("" when nothing): three widths w, 2w, 4w
// with w even (each down-sampling pads w/2 zero channels on each side).
std::string resnet_widths_problem(const std::vector<std::int64_t>& widths);
// The model as one string NAME:C:H:W:CLASSES[:WIDTHS:ACTIVATION[:KAPPA]] (WIDTHS like 256x128, "-" for
// none or a model's default; WIDTHS and ACTIVATION for the mlp, for a ResNet whose stage widths are
// not 16, 32, 64, and for any model whose activation is not relu; KAPPA for jumprelu; the
// shallow_decoder always writes WIDTHS:ACTIVATION:KAPPA:BATCH_NORM),
// stored in checkpoints (attribute model_spec) so that scripts/python/curvlab_checkpoint.py can
// rebuild the PyTorch twin without knowing the job file's defaults.
std::string model_spec_string(const ModelOptions& spec, const std::vector<std::int64_t>& sample_shape,
                              std::int64_t num_classes);

}  // namespace curvlab
