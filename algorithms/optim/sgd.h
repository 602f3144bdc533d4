// SGD with momentum, dampening, Nesterov and weight decay: torch::optim::SGD (PyTorch's exact
// update rule) wrapped so its momentum buffers are saved and restored by parameter name.
#pragma once

#include <torch/optim/sgd.h>

#include "algorithms/optim/optimizer.h"

namespace curvlab {

class Sgd : public Optimizer {
 public:
  Sgd(const NamedParams& params, double lr, double momentum, double dampening, double weight_decay,
      bool nesterov);
  void step() override;
  void zero_grad() override;
  void set_lr(double lr) override;
  double lr() const override;
  void set_weight_decay(double weight_decay) override;
  double weight_decay() const override;
  std::string name() const override { return "sgd"; }
  void save_state(StateWriter& out, const std::string& prefix) const override;
  void load_state(const StateReader& in, const std::string& prefix) override;

 private:
  NamedParams params_;
  std::unique_ptr<torch::optim::SGD> sgd_;
  std::int64_t steps_ = 0;
};

}  // namespace curvlab
