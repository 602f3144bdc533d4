// Adam and AdamW (train.optimizer = "adam" | "adamw", options in [train.adam]): torch.optim.Adam and
// torch.optim.AdamW (PyTorch 1.13, single-tensor path) written op for op, so float64 runs agree bit
// for bit with Python. Per parameter w with gradient g, at its own step t (1, 2, ...):
//   adam:  g = g + wd w                      (L2 weight decay, added to the gradient)
//   adamw: w = w (1 - lr wd)                 (decoupled weight decay, before the moments)
//   m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g g
//   amsgrad: v_max = max(v_max, v), v' = v_max, else v' = v
//   w = w - lr / (1 - beta1^t) m / (sqrt(v') / sqrt(1 - beta2^t) + eps)
// Parameters without a gradient are skipped (their t does not advance). The state (exp_avg,
// exp_avg_sq, max_exp_avg_sq, the per-parameter step) is saved and restored by parameter name.
// Not for: the lr and weight-decay schedules (algorithms/schedules/lr_schedule.h; the trainer sets
// both every step).
#pragma once

#include <map>

#include "algorithms/optim/optimizer.h"

namespace curvlab {

class Adam : public Optimizer {
 public:
  // decoupled = false: torch.optim.Adam; true: torch.optim.AdamW.
  Adam(const NamedParams& params, double lr, double weight_decay, const AdamOptions& options, bool decoupled);
  void step() override;
  void zero_grad() override;
  void set_lr(double lr) override { lr_ = lr; }
  double lr() const override { return lr_; }
  void set_weight_decay(double weight_decay) override { weight_decay_ = weight_decay; }
  double weight_decay() const override { return weight_decay_; }
  std::string name() const override { return decoupled_ ? "adamw" : "adam"; }
  // "<prefix>/name", "<prefix>/step", "<prefix>/amsgrad" (0/1), and per parameter that has taken a
  // step: "<prefix>/exp_avg/<param>", "<prefix>/exp_avg_sq/<param>", "<prefix>/param_step/<param>",
  // with amsgrad "<prefix>/max_exp_avg_sq/<param>".
  void save_state(StateWriter& out, const std::string& prefix) const override;
  // Refuses (ConfigError) another optimizer's state or another amsgrad setting; a moment of another
  // shape or a parameter with only part of its state is an IoError.
  void load_state(const StateReader& in, const std::string& prefix) override;

  struct ParamState {
    std::int64_t step = 0;
    torch::Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;  // max_exp_avg_sq only with amsgrad
  };
  // By parameter name; a parameter appears after its first step (inspection, tests).
  const std::map<std::string, ParamState>& state() const { return state_; }

 private:
  NamedParams params_;
  double lr_, weight_decay_;
  AdamOptions options_;
  bool decoupled_;
  std::map<std::string, ParamState> state_;
  std::int64_t steps_ = 0;
};

}  // namespace curvlab
