// LARS update (see lars.h for the formula) and its checkpoint state.
#include "algorithms/optim/lars.h"

#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {

Lars::Lars(const NamedParams& params, double lr, double momentum, double weight_decay, const LarsOptions& spec)
    : params_(params), lr_(lr), momentum_(momentum), weight_decay_(weight_decay), spec_(spec) {}

void Lars::step() {
  torch::NoGradGuard no_grad;
  trust_.clear();
  for (auto& [name, w] : params_) {
    if (!w.grad().defined()) continue;
    const torch::Tensor& g = w.grad();
    const bool excluded = spec_.exclude_bias_and_norm && w.dim() <= 1;
    torch::Tensor d;
    double local = 1.0;
    if (excluded) {
      d = g;
    } else {
      d = weight_decay_ != 0.0 ? g.add(w, weight_decay_) : g;
      const double w_norm = w.norm().item<double>(), g_norm = g.norm().item<double>();
      if (w_norm > 0.0 && g_norm > 0.0) {
        local = spec_.trust_coefficient * w_norm / (g_norm + weight_decay_ * w_norm + spec_.eps);
      }
      trust_[name] = local;
    }
    auto it = momentum_buffers_.find(name);
    if (it == momentum_buffers_.end()) {
      it = momentum_buffers_.emplace(name, torch::zeros_like(w)).first;
    }
    torch::Tensor& v = it->second;
    v.mul_(momentum_).add_(d, lr_ * local);
    w.sub_(v);
  }
  ++steps_;
}

void Lars::zero_grad() {
  for (auto& [name, p] : params_) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
}

void Lars::save_state(StateWriter& out, const std::string& prefix) const {
  out.write_string(prefix + "/name", name());
  out.write_int(prefix + "/step", steps_);
  for (const auto& [name, buf] : momentum_buffers_) out.write_tensor(prefix + "/momentum_buffer/" + name, buf);
}

void Lars::load_state(const StateReader& in, const std::string& prefix) {
  steps_ = read_optimizer_header(in, prefix, name());
  momentum_buffers_.clear();
  for (auto& [name, buf] : read_momentum_buffers(in, prefix, params_)) momentum_buffers_[name] = buf;
}

}  // namespace curvlab
