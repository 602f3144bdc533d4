// The classification task (engine/tasks/classification.cpp) against torch's cross_entropy in float64
// and a hand count of correct predictions: loss() returns the mean loss (its backward gives the mean
// gradient) and adds [loss sum, correct count] as float64 into the sums it is given (tolerance 1e-6
// relative: the mean is computed in float32 and multiplied by n); eval_sums adds the float64 sum of
// the losses and the count; sums accumulate across calls; the columns, target metrics and which way
// is better.
#include "engine/tasks/classification.h"

#include <gtest/gtest.h>

#include "engine/models/model.h"

namespace curvlab {
namespace {

struct Fixture {
  Net model;
  torch::Tensor x, y;
  Fixture() {
    torch::manual_seed(9);
    ModelOptions o;
    o.name = "mlp";
    o.widths = {6};
    model = make_model(o, {1, 3, 3}, 4);
    x = torch::randn({37, 1, 3, 3});
    y = torch::randint(4, {37}, torch::kInt64);
  }
  // Independent: log-softmax written out in float64, and the count by a loop.
  std::pair<double, double> reference(const torch::Tensor& xs, const torch::Tensor& ys) {
    torch::NoGradGuard g;
    const torch::Tensor z = model->forward(xs).to(torch::kFloat64);
    const torch::Tensor lse = z.exp().sum(1).log();
    const torch::Tensor nll = lse - z.gather(1, ys.unsqueeze(1)).squeeze(1);
    double correct = 0;
    for (std::int64_t i = 0; i < z.size(0); ++i) correct += z[i].argmax().item<std::int64_t>() == ys[i].item<std::int64_t>();
    return {nll.sum().item<double>(), correct};
  }
};

TEST(ClassificationTask, ColumnsTargetsAndDirection) {
  ClassificationTask t;
  EXPECT_EQ(t.name(), "classification");
  EXPECT_EQ(t.step_columns(), (std::vector<std::string>{"loss", "accuracy"}));
  EXPECT_EQ(t.eval_columns(), (std::vector<std::string>{"test_loss", "test_accuracy"}));
  EXPECT_EQ(t.target_metrics(), (std::vector<std::string>{"test_accuracy", "test_loss", "train_loss"}));
  EXPECT_TRUE(t.higher_is_better("test_accuracy"));
  EXPECT_FALSE(t.higher_is_better("test_loss"));
  EXPECT_FALSE(t.higher_is_better("train_loss"));
}

TEST(ClassificationTask, LossIsTheMeanAndSumsAreFloat64) {
  Fixture f;
  ClassificationTask t;
  torch::Tensor sums = torch::zeros({2}, torch::kFloat64);
  const torch::Tensor loss = t.loss(*f.model, f.x, f.y, sums);
  const auto [nll_sum, correct] = f.reference(f.x, f.y);
  EXPECT_EQ(loss.dim(), 0);
  EXPECT_TRUE(loss.requires_grad());
  EXPECT_NEAR(loss.item<double>(), nll_sum / 37, 1e-6 * nll_sum / 37);
  EXPECT_NEAR(loss.item<double>(), torch::nn::functional::cross_entropy(f.model->forward(f.x), f.y).item<double>(), 0);
  EXPECT_EQ(sums.scalar_type(), torch::kFloat64);
  EXPECT_NEAR(sums[0].item<double>(), nll_sum, 1e-6 * nll_sum) << "max diff " << std::abs(sums[0].item<double>() - nll_sum);
  EXPECT_EQ(sums[1].item<double>(), correct);
  EXPECT_FALSE(sums.requires_grad());
  // backward of the mean: the gradient of cross_entropy(mean) computed here.
  f.model->zero_grad();
  loss.backward();
  const torch::Tensor g = f.model->named_parameters()["fc1.weight"].grad().clone();
  f.model->zero_grad();
  torch::nn::functional::cross_entropy(f.model->forward(f.x).to(torch::kFloat64), f.y).backward();
  const double gd = (g.to(torch::kFloat64) - f.model->named_parameters()["fc1.weight"].grad().to(torch::kFloat64)).abs().max().item<double>();
  EXPECT_LT(gd, 1e-6) << "max |grad - reference grad| = " << gd;
  // Accumulates into the same sums (a second micro-batch).
  const torch::Tensor x2 = f.x.slice(0, 0, 10), y2 = f.y.slice(0, 0, 10);
  t.loss(*f.model, x2, y2, sums);
  const auto [nll2, correct2] = f.reference(x2, y2);
  EXPECT_NEAR(sums[0].item<double>(), nll_sum + nll2, 1e-6 * (nll_sum + nll2));
  EXPECT_EQ(sums[1].item<double>(), correct + correct2);
}

TEST(ClassificationTask, EvalSums) {
  Fixture f;
  ClassificationTask t;
  torch::Tensor sums = torch::zeros({2}, torch::kFloat64);
  {
    torch::NoGradGuard g;
    t.eval_sums(*f.model, f.x.slice(0, 0, 20), f.y.slice(0, 0, 20), sums);
    t.eval_sums(*f.model, f.x.slice(0, 20, 37), f.y.slice(0, 20, 37), sums);  // chunks add up
  }
  const auto [nll_sum, correct] = f.reference(f.x, f.y);
  EXPECT_NEAR(sums[0].item<double>(), nll_sum, 1e-6 * nll_sum) << "max diff " << std::abs(sums[0].item<double>() - nll_sum);
  EXPECT_EQ(sums[1].item<double>(), correct);
  const double torch_sum = torch::nn::functional::cross_entropy(
      f.model->forward(f.x).to(torch::kFloat64), f.y,
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
  EXPECT_NEAR(nll_sum, torch_sum, 1e-10 * torch_sum);  // the reference agrees with torch's own
}

}  // namespace
}  // namespace curvlab
