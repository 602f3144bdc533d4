// SGD wrapper: delegates the update to torch::optim::SGD; (de)serialises momentum by name.
#include "algorithms/optim/sgd.h"

#include "engine/error.h"

namespace curvlab {
namespace {
std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }
}  // namespace

Sgd::Sgd(const NamedParams& params, double lr, double momentum, double dampening, double weight_decay,
         bool nesterov)
    : params_(params) {
  std::vector<torch::Tensor> tensors;
  for (const auto& [name, p] : params_) tensors.push_back(p);
  sgd_ = std::make_unique<torch::optim::SGD>(
      tensors, torch::optim::SGDOptions(lr).momentum(momentum).dampening(dampening)
                   .weight_decay(weight_decay).nesterov(nesterov));
}

void Sgd::step() {
  sgd_->step();
  ++steps_;
}

void Sgd::zero_grad() {
  for (auto& [name, p] : params_) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
}

void Sgd::set_lr(double lr) {
  for (auto& group : sgd_->param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
}

double Sgd::lr() const {
  return static_cast<const torch::optim::SGDOptions&>(sgd_->param_groups().front().options()).lr();
}

void Sgd::save_state(StateWriter& out, const std::string& prefix) const {
  out.write_string(prefix + "/name", name());
  out.write_int(prefix + "/step", steps_);
  const auto& state = sgd_->state();
  for (const auto& [name, p] : params_) {
    auto it = state.find(state_key(p));
    if (it == state.end()) continue;  // no momentum yet (momentum == 0 or before the first step)
    const auto& s = static_cast<const torch::optim::SGDParamState&>(*it->second);
    if (s.momentum_buffer().defined()) out.write_tensor(prefix + "/momentum_buffer/" + name, s.momentum_buffer());
  }
}

void Sgd::load_state(const StateReader& in, const std::string& prefix) {
  const std::string stored = in.read_string(prefix + "/name");
  CURVLAB_CHECK(stored == name(), ConfigError,
                "checkpoint holds optimizer '" + stored + "' state but the job uses '" + name() +
                    "'; resume with the same train.optimizer or start a new run");
  steps_ = in.read_int(prefix + "/step");
  auto& state = sgd_->state();
  state.clear();
  for (const auto& [name, p] : params_) {
    const std::string path = prefix + "/momentum_buffer/" + name;
    if (!in.has(path)) continue;
    torch::Tensor buf = in.read_tensor(path);
    CURVLAB_CHECK(buf.sizes() == p.sizes(), IoError,
                  "momentum buffer '" + path + "' has shape " + c10::str(buf.sizes()) + " but the parameter has " +
                      c10::str(p.sizes()));
    auto s = std::make_unique<torch::optim::SGDParamState>();
    s->momentum_buffer(buf.to(p.options()));
    state[state_key(p)] = std::move(s);
  }
}

}  // namespace curvlab
