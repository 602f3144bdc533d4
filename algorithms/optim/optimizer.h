// The optimizer interface the trainer steps, and the factory that builds one from its options.
// Implementations keep PyTorch's semantics and save their state by parameter name.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/optim/optimizer_options.h"
#include "base/state_io.h"

namespace curvlab {

using NamedParams = std::vector<std::pair<std::string, torch::Tensor>>;

class Optimizer : public Stateful {
 public:
  // Applies one update from the parameters' .grad() (already reduced across ranks).
  virtual void step() = 0;
  virtual void zero_grad() = 0;
  virtual void set_lr(double lr) = 0;
  virtual double lr() const = 0;
  // The weight decay of the next steps (the trainer sets it every step: train.lr_schedule.weight_decay_gamma).
  virtual void set_weight_decay(double weight_decay) = 0;
  virtual double weight_decay() const = 0;
  virtual std::string name() const = 0;
};

// Checkpoint helpers shared by the optimizers: "<prefix>/name" must equal `name` (ConfigError
// otherwise); returns "<prefix>/step". Then, per parameter, the saved "<prefix>/momentum_buffer/<param>"
// (shape-checked, IoError; absent entries are skipped), on the parameter's device and dtype.
std::int64_t read_optimizer_header(const StateReader& in, const std::string& prefix, const std::string& name);
std::vector<std::pair<std::string, torch::Tensor>> read_momentum_buffers(const StateReader& in, const std::string& prefix,
                                                                         const NamedParams& params);
// The same for any per-parameter tensor: "<group>/<param>" for each parameter that has one.
std::vector<std::pair<std::string, torch::Tensor>> read_param_tensors(const StateReader& in, const std::string& group,
                                                                      const NamedParams& params);

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options, const NamedParams& params);

}  // namespace curvlab
