// The optimizer factory: the one place an optimizer name becomes an implementation.
#include "algorithms/optim/optimizer.h"

#include "algorithms/optim/adam.h"
#include "algorithms/optim/lars.h"
#include "algorithms/optim/sgd.h"
#include "base/error.h"

namespace curvlab {

std::int64_t read_optimizer_header(const StateReader& in, const std::string& prefix, const std::string& name) {
  const std::string stored = in.read_string(prefix + "/name");
  CURVLAB_CHECK(stored == name, ConfigError,
                "checkpoint holds optimizer '" + stored + "' state but the job uses '" + name +
                    "'; resume with the same train.optimizer or start a new run");
  return in.read_int(prefix + "/step");
}

std::vector<std::pair<std::string, torch::Tensor>> read_param_tensors(const StateReader& in, const std::string& group,
                                                                      const NamedParams& params) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  const std::string what = group.substr(group.rfind('/') + 1);  // "momentum_buffer", "exp_avg", ...
  for (const auto& [name, p] : params) {
    const std::string path = group + "/" + name;
    if (!in.has(path)) continue;
    torch::Tensor buf = in.read_tensor(path);
    CURVLAB_CHECK(buf.sizes() == p.sizes(), IoError,
                  "optimizer state " + what + " '" + path + "' has shape " + c10::str(buf.sizes()) +
                      " but the parameter has " + c10::str(p.sizes()) +
                      "; the checkpoint is of another model: resume with the same [model] or start a new run");
    out.emplace_back(name, buf.to(p.options()));
  }
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> read_momentum_buffers(const StateReader& in, const std::string& prefix,
                                                                         const NamedParams& params) {
  return read_param_tensors(in, prefix + "/momentum_buffer", params);
}

const EnumNames<OptimizerKind>& optimizer_names() {
  static const EnumNames<OptimizerKind> names = {
      {OptimizerKind::kSgd, "sgd"},   {OptimizerKind::kKfac, "kfac"},  {OptimizerKind::kLars, "lars"},
      {OptimizerKind::kAdam, "adam"}, {OptimizerKind::kAdamw, "adamw"}};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& o, const NamedParams& params) {
  switch (o.kind) {
    case OptimizerKind::kSgd:
    case OptimizerKind::kKfac:  // the SGD step runs on gradients the K-FAC hook has preconditioned
      return std::make_unique<Sgd>(params, o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov);
    case OptimizerKind::kLars:
      return std::make_unique<Lars>(params, o.lr, o.momentum, o.weight_decay, o.lars);
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamw:
      return std::make_unique<Adam>(params, o.lr, o.weight_decay, o.adam, /*decoupled=*/o.kind == OptimizerKind::kAdamw);
  }
  CURVLAB_THROW(ConfigError, "unknown optimizer kind");
}

}  // namespace curvlab
