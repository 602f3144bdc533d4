// The optimizer factory: the one place an optimizer name becomes an implementation.
#include "algorithms/optim/optimizer.h"

#include "algorithms/optim/lars.h"
#include "algorithms/optim/sgd.h"
#include "engine/error.h"

namespace curvlab {

std::int64_t read_optimizer_header(const StateReader& in, const std::string& prefix, const std::string& name) {
  const std::string stored = in.read_string(prefix + "/name");
  CURVLAB_CHECK(stored == name, ConfigError,
                "checkpoint holds optimizer '" + stored + "' state but the job uses '" + name +
                    "'; resume with the same train.optimizer or start a new run");
  return in.read_int(prefix + "/step");
}

std::vector<std::pair<std::string, torch::Tensor>> read_momentum_buffers(const StateReader& in, const std::string& prefix,
                                                                         const NamedParams& params) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& [name, p] : params) {
    const std::string path = prefix + "/momentum_buffer/" + name;
    if (!in.has(path)) continue;
    torch::Tensor buf = in.read_tensor(path);
    CURVLAB_CHECK(buf.sizes() == p.sizes(), IoError,
                  "momentum buffer '" + path + "' has shape " + c10::str(buf.sizes()) + " but the parameter has " +
                      c10::str(p.sizes()));
    out.emplace_back(name, buf.to(p.options()));
  }
  return out;
}

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
