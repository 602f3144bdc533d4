// The regression task (engine/tasks/regression.cpp) against formulas in float64: loss() is
// nn.MSELoss (mean over every element; its backward the mean gradient) and adds n x loss to the
// step sums; eval_sums adds the per-sample MSE and per-sample relative error, summed (tolerance
// 1e-6 relative: float32 forward); a shape mismatch is a ConfigError naming both shapes.
#include "engine/tasks/regression.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "engine/models/model.h"
#include "engine/task.h"

namespace curvlab {
namespace {

TEST(Regression, LossAndSumsMatchFormulas) {
  torch::manual_seed(2);
  ModelOptions o;
  o.name = "mlp";
  o.widths = {5};
  Net model = make_model(o, {1, 1, 3}, 7);
  const torch::Tensor x = torch::randn({6, 1, 1, 3}), y = torch::randn({6, 7});
  RegressionTask task;
  EXPECT_EQ(task.step_columns(), (std::vector<std::string>{"loss"}));
  EXPECT_EQ(task.eval_columns(), (std::vector<std::string>{"test_loss", "test_rel_error"}));
  EXPECT_FALSE(task.higher_is_better("test_rel_error"));
  torch::Tensor sums = torch::zeros({1}, torch::kFloat64);
  const torch::Tensor loss = task.loss(*model, x, y, sums);
  const torch::Tensor out = model->forward(x).detach().to(torch::kFloat64);
  const torch::Tensor diff = out - y.to(torch::kFloat64);
  const double mse = diff.square().mean().item<double>();
  EXPECT_NEAR(loss.item<double>(), mse, 1e-6 * mse);
  EXPECT_NEAR(sums[0].item<double>(), 6 * mse, 6e-6 * mse);
  torch::Tensor eval = torch::zeros({2}, torch::kFloat64);
  {
    torch::NoGradGuard g;
    task.eval_sums(*model, x, y, eval);
  }
  EXPECT_NEAR(eval[0].item<double>(), diff.square().mean(1).sum().item<double>(), 1e-6);
  const double rel = (diff.norm(2, {1}) / y.to(torch::kFloat64).norm(2, {1})).sum().item<double>();
  EXPECT_NEAR(eval[1].item<double>(), rel, 1e-6 * rel);
  EXPECT_THROW(task.loss(*model, x, torch::randn({6, 5}), sums), ConfigError);
  EXPECT_NE(make_task("regression"), nullptr);
  EXPECT_EQ(task_names(), (std::vector<std::string>{"classification", "regression"}));
}

}  // namespace
}  // namespace curvlab
