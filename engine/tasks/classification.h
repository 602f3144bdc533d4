// The classification task: mean cross-entropy over the batch; step metrics loss and accuracy;
// evaluation test_loss and test_accuracy; accuracy is better higher, losses lower.
#pragma once

#include "engine/task.h"

namespace curvlab {

class ClassificationTask : public Task {
 public:
  std::string name() const override { return "classification"; }
  std::vector<std::string> step_columns() const override { return {"loss", "accuracy"}; }
  std::vector<std::string> eval_columns() const override { return {"test_loss", "test_accuracy"}; }
  // The metrics of algorithms/scaling/target.h (steps to target, reports): test_accuracy, test_loss, train_loss.
  std::vector<std::string> target_metrics() const override;
  bool higher_is_better(const std::string& metric) const override;
  // logits = model(x) [n, classes], y [n] int64
  torch::Tensor loss(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) override;
  void eval_sums(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) override;
};

}  // namespace curvlab
