// The regression task (flow reconstruction): mean squared error over every output element, as
// torch.nn.MSELoss(); step metric loss; evaluation test_loss (the same MSE on the test split) and
// test_rel_error (the mean over test samples of ||y_hat - y|| / ||y||); all better lower.
#pragma once

#include "engine/task.h"

namespace curvlab {

class RegressionTask : public Task {
 public:
  std::string name() const override { return "regression"; }
  std::vector<std::string> step_columns() const override { return {"loss"}; }
  std::vector<std::string> eval_columns() const override { return {"test_loss", "test_rel_error"}; }
  std::vector<std::string> target_metrics() const override { return {"test_loss", "test_rel_error", "train_loss"}; }
  bool higher_is_better(const std::string&) const override { return false; }
  // outputs = model(x) [n, d], y [n, d] float
  torch::Tensor loss(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) override;
  void eval_sums(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) override;
};

}  // namespace curvlab
