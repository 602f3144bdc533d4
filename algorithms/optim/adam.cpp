// Adam / AdamW update (see adam.h for the formula) and its checkpoint state by parameter name.
#include "algorithms/optim/adam.h"

#include <torch/torch.h>

#include <cmath>

#include "base/error.h"

namespace curvlab {

Adam::Adam(const NamedParams& params, double lr, double weight_decay, const AdamOptions& options, bool decoupled)
    : params_(params), lr_(lr), weight_decay_(weight_decay), options_(options), decoupled_(decoupled) {}

// The order of the operations is torch.optim's _single_tensor_adam / _single_tensor_adamw (1.13):
// the same roundings, so float64 (and float32) results are bitwise equal to PyTorch's.
void Adam::step() {
  torch::NoGradGuard no_grad;
  const double beta1 = options_.beta1, beta2 = options_.beta2;
  for (auto& [name, p] : params_) {
    if (!p.grad().defined()) continue;
    torch::Tensor grad = p.grad();
    auto it = state_.find(name);
    if (it == state_.end()) {
      ParamState s;
      s.exp_avg = torch::zeros_like(p);
      s.exp_avg_sq = torch::zeros_like(p);
      if (options_.amsgrad) s.max_exp_avg_sq = torch::zeros_like(p);
      it = state_.emplace(name, std::move(s)).first;
    }
    ParamState& s = it->second;
    ++s.step;
    if (decoupled_) {
      if (weight_decay_ != 0.0) p.mul_(1.0 - lr_ * weight_decay_);  // x 1 (PyTorch's wd = 0) changes no bit
    } else if (weight_decay_ != 0.0) {
      grad = grad.add(p, weight_decay_);
    }
    s.exp_avg.mul_(beta1).add_(grad, 1.0 - beta1);
    s.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
    const double t = static_cast<double>(s.step);
    const double bias_correction1 = 1.0 - std::pow(beta1, t);
    const double bias_correction2 = 1.0 - std::pow(beta2, t);
    const double step_size = lr_ / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);
    torch::Tensor denom;
    if (options_.amsgrad) {
      at::maximum_out(s.max_exp_avg_sq, s.max_exp_avg_sq, s.exp_avg_sq);
      denom = (s.max_exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options_.eps);
    } else {
      denom = (s.exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(options_.eps);
    }
    p.addcdiv_(s.exp_avg, denom, -step_size);
  }
  ++steps_;
}

void Adam::zero_grad() {
  for (auto& [name, p] : params_) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
}

void Adam::save_state(StateWriter& out, const std::string& prefix) const {
  out.write_string(prefix + "/name", name());
  out.write_int(prefix + "/step", steps_);
  out.write_int(prefix + "/amsgrad", options_.amsgrad ? 1 : 0);
  for (const auto& [name, s] : state_) {
    out.write_tensor(prefix + "/exp_avg/" + name, s.exp_avg);
    out.write_tensor(prefix + "/exp_avg_sq/" + name, s.exp_avg_sq);
    if (s.max_exp_avg_sq.defined()) out.write_tensor(prefix + "/max_exp_avg_sq/" + name, s.max_exp_avg_sq);
    out.write_int(prefix + "/param_step/" + name, s.step);
  }
}

void Adam::load_state(const StateReader& in, const std::string& prefix) {
  const std::int64_t steps = read_optimizer_header(in, prefix, name());
  const bool saved_amsgrad = in.read_int(prefix + "/amsgrad") != 0;
  const auto word = [](bool b) { return std::string(b ? "true" : "false"); };
  CURVLAB_CHECK(saved_amsgrad == options_.amsgrad, ConfigError,
                "checkpoint holds " + name() + " state with train.adam.amsgrad = " + word(saved_amsgrad) +
                    " but the job sets " + word(options_.amsgrad) +
                    "; resume with the same train.adam.amsgrad or start a new run");
  std::map<std::string, ParamState> state;
  for (auto& [param, t] : read_param_tensors(in, prefix + "/exp_avg", params_)) state[param].exp_avg = t;
  for (auto& [param, t] : read_param_tensors(in, prefix + "/exp_avg_sq", params_)) state[param].exp_avg_sq = t;
  if (options_.amsgrad) {
    for (auto& [param, t] : read_param_tensors(in, prefix + "/max_exp_avg_sq", params_)) {
      state[param].max_exp_avg_sq = t;
    }
  }
  for (auto& [param, s] : state) {
    const std::string step_path = prefix + "/param_step/" + param;
    const bool complete = s.exp_avg.defined() && s.exp_avg_sq.defined() &&
                          (!options_.amsgrad || s.max_exp_avg_sq.defined()) && in.has(step_path);
    CURVLAB_CHECK(complete, IoError,
                  "checkpoint holds only part of the " + name() + " state of parameter '" + param + "' (" + prefix +
                      "/{exp_avg,exp_avg_sq" + (options_.amsgrad ? ",max_exp_avg_sq" : "") +
                      ",param_step}/" + param + " must all be there); the file is damaged: resume from another checkpoint");
    s.step = in.read_int(step_path);
    CURVLAB_CHECK(s.step >= 1, IoError,
                  step_path + " is " + std::to_string(s.step) + " (must be >= 1 where moments are saved); the file is damaged");
  }
  state_ = std::move(state);
  steps_ = steps;
}

}  // namespace curvlab
