// SGD wrapper: delegates the update to torch::optim::SGD; (de)serialises momentum by name.
#include "algorithms/optim/sgd.h"

#include <map>

#include "base/error.h"

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

void Sgd::set_weight_decay(double weight_decay) {
  for (auto& group : sgd_->param_groups()) {
    static_cast<torch::optim::SGDOptions&>(group.options()).weight_decay(weight_decay);
  }
}

double Sgd::weight_decay() const {
  return static_cast<const torch::optim::SGDOptions&>(sgd_->param_groups().front().options()).weight_decay();
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
  steps_ = read_optimizer_header(in, prefix, name());
  auto& state = sgd_->state();
  state.clear();
  std::map<std::string, torch::Tensor> by_name;
  for (const auto& [name, p] : params_) by_name[name] = p;
  for (auto& [name, buf] : read_momentum_buffers(in, prefix, params_)) {
    auto s = std::make_unique<torch::optim::SGDParamState>();
    s->momentum_buffer(buf);
    state[state_key(by_name.at(name))] = std::move(s);
  }
}

}  // namespace curvlab
