// A training task: what a batch's loss is, which metrics a step and an evaluation report, and what
// "better" means for each metric (targets, reports). The step loop knows none of it: it calls the
// task. Metric sums stay in a float64 tensor on the model's device and are read by the loop once per
// metrics interval. Tasks are registered by name in engine/tasks/task_registry.cpp ([train] task).
// Not for: the optimizer step or gradient reduction (engine/trainer.cpp).
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/net.h"

namespace curvlab {

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  // Step-table columns after "step", "epoch" (e.g. loss, accuracy): means over the global batch.
  virtual std::vector<std::string> step_columns() const = 0;
  // Eval-table columns after "train_loss" (e.g. test_loss, test_accuracy): means over the test split.
  virtual std::vector<std::string> eval_columns() const = 0;
  // Metrics a target may name (train.target_metric), eval columns and train_loss among them.
  virtual std::vector<std::string> target_metrics() const = 0;
  virtual bool higher_is_better(const std::string& metric) const = 0;

  // Forward pass of one micro-batch x [n, ...], y [n, ...]: returns the MEAN loss over the n samples
  // (the loop calls backward on it) and adds the micro-batch's metric SUMS (step_columns order,
  // float64, on the device) into `sums`.
  virtual torch::Tensor loss(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) = 0;
  // Evaluation of a chunk (no grad, eval mode set by the caller): adds its metric SUMS (eval_columns
  // order, float64, on the device) into `sums`.
  virtual void eval_sums(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) = 0;
};

using TaskPtr = std::unique_ptr<Task>;

// Names accepted in [train] task, and the factory.
const std::vector<std::string>& task_names();
TaskPtr make_task(const std::string& name);

}  // namespace curvlab
