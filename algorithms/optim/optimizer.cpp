// The optimizer factory: the one place an optimizer name becomes an implementation.
#include "algorithms/optim/optimizer.h"

#include "algorithms/optim/lars.h"
#include "algorithms/optim/sgd.h"
#include "engine/error.h"

namespace curvlab {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd", "kfac", "lars"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const TrainSpec& spec, const NamedParams& params) {
  // "kfac": the SGD step runs on gradients the trainer's KfacPreconditioner has preconditioned.
  if (spec.optimizer == "sgd" || spec.optimizer == "kfac") {
    return std::make_unique<Sgd>(params, spec.lr, spec.momentum, spec.dampening, spec.weight_decay, spec.nesterov);
  }
  if (spec.optimizer == "lars") {
    return std::make_unique<Lars>(params, spec.lr, spec.momentum, spec.weight_decay, spec.lars);
  }
  CURVLAB_THROW(ConfigError, "unknown optimizer '" + spec.optimizer + "' (allowed: sgd, kfac, lars)");
}

}  // namespace curvlab
