// The model interface of curvlab and the registry that builds a model by name.
// Parameter names equal those of the equivalent PyTorch definition (scripts/python/curvlab_models.py).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jobs/job_spec.h"

namespace curvlab {

// Every curvlab model: a torch::nn::Module that maps inputs [B, C, H, W] to logits [B, classes].
class NetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};
using Net = std::shared_ptr<NetImpl>;

// Names accepted in [model] name.
const std::vector<std::string>& model_names();
// Builds the model; parameters are initialised as PyTorch would, from the current torch seed.
Net make_model(const ModelSpec& spec, const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes);
// The model as one string NAME:C:H:W:CLASSES[:WIDTHS:ACTIVATION] (WIDTHS like 256x128, "-" for none),
// stored in checkpoints (attribute model_spec) so that scripts/python/curvlab_checkpoint.py can
// rebuild the PyTorch twin without knowing the job file's defaults.
std::string model_spec_string(const ModelSpec& spec, const std::vector<std::int64_t>& sample_shape,
                              std::int64_t num_classes);

}  // namespace curvlab
