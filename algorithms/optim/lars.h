// LARS: layer-wise adaptive rate scaling (You, Gitman, Ginsburg 2017, "Large Batch Training of
// Convolutional Networks"), train.optimizer = "lars", options in [train.lars]. Per parameter tensor:
//   d = g + wd w,  local = eta |w| / (|g| + wd |w| + eps)  (1 when |w| or |g| is 0),
//   v = momentum v + lr local d,  w = w - v.
// With exclude_bias_and_norm, 1-D tensors (biases, batch-norm weights) take the plain momentum
// step with local = 1 and no weight decay, as the reference implementations do. Momentum buffers
// are saved by parameter name. Not for: the lr schedule (algorithms/schedules).
#pragma once

#include <map>

#include "algorithms/optim/optimizer.h"

namespace curvlab {

class Lars : public Optimizer {
 public:
  Lars(const NamedParams& params, double lr, double momentum, double weight_decay, const LarsOptions& spec);
  void step() override;
  void zero_grad() override;
  void set_lr(double lr) override { lr_ = lr; }
  double lr() const override { return lr_; }
  void set_weight_decay(double weight_decay) override { weight_decay_ = weight_decay; }
  double weight_decay() const override { return weight_decay_; }
  std::string name() const override { return "lars"; }
  void save_state(StateWriter& out, const std::string& prefix) const override;
  void load_state(const StateReader& in, const std::string& prefix) override;

  // The trust ratio `local` of each adapted parameter in the last step (inspection, tests).
  const std::map<std::string, double>& last_trust_ratios() const { return trust_; }

 private:
  NamedParams params_;
  double lr_, momentum_, weight_decay_;
  LarsOptions spec_;
  std::map<std::string, torch::Tensor> momentum_buffers_;
  std::map<std::string, double> trust_;
  std::int64_t steps_ = 0;
};

}  // namespace curvlab
