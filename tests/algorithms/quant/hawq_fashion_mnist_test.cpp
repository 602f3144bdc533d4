// HAWQ-V2 on a trained Fashion-MNIST MLP (5 weight layers): per-weight Hutchinson traces
// (analyze_hessian), first and last layer fixed at 8 bits (as HAWQ-V2 does), the three middle
// layers at 2.5 bits per weight on average: the allocation, fake-quantized, must raise the training
// loss on the Hessian's samples less than the reverse allocation (sensitivities mirrored; the
// middle layers have equal sizes, so it is a permutation of the same widths: the same size).
// Skipped when the Debian dataset-fashion-mnist package is not installed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <vector>

#include "algorithms/hessian/analysis.h"
#include "algorithms/quant/hawq_report.h"
#include "engine/data/dataset.h"
#include "engine/models/model.h"

namespace curvlab {
namespace {

TEST(HawqFashionMnist, BudgetAllocationBeatsReverseAllocation) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)";
  }
  torch::set_num_threads(1);
  DataOptions ds;
  ds.train_subset = 6000;
  ds.test_subset = 2000;
  const DataSplits data = load_data(ds, 0);
  torch::manual_seed(0);
  ModelOptions ms;
  ms.name = "mlp";
  ms.widths = {128, 128, 128, 128};  // three equal middle layers: any permutation has the same size
  Net model = make_model(ms, data.sample_shape, data.num_classes);
  // Train: 8 epochs of SGD with momentum, batch 100 (near a minimum: the first-order term is small).
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  model->train();
  for (int epoch = 0; epoch < 8; ++epoch) {
    const torch::Tensor perm = torch::randperm(6000);
    for (std::int64_t i = 0; i < 6000; i += 100) {
      const torch::Tensor idx = perm.slice(0, i, i + 100);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(data.train.inputs.index_select(0, idx)),
                                                       data.train.targets.index_select(0, idx));
      loss.backward();
      opt.step();
    }
  }
  HvpOperator op(model, data.train.inputs.slice(0, 0, 1000), data.train.targets.slice(0, 0, 1000), 1000, nullptr, {});
  HessianOptions hs;
  hs.eigenvalues = false;
  hs.density = false;
  hs.trace_tol = 0;
  hs.trace_max_samples = 40;
  HessianReport h = analyze_hessian(op, nullptr, hs, 0, nullptr);
  auto eval = [&]() {
    torch::NoGradGuard ng;
    model->eval();
    // The loss whose Hessian HAWQ-V2 uses: the training loss on the Hessian's 1000 samples.
    const torch::Tensor x = data.train.inputs.slice(0, 0, 1000), y = data.train.targets.slice(0, 0, 1000);
    auto logits = model->forward(x);
    const double loss = torch::nn::functional::cross_entropy(logits, y).item<double>();
    const double acc = logits.argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
    return std::make_pair(loss, acc);
  };
  QuantOptions qs;
  std::vector<std::int64_t> numel;
  for (const auto& p : model->named_parameters()) {
    if (p.value().dim() >= 2) numel.push_back(p.value().numel());
  }
  ASSERT_EQ(numel.size(), 5u);
  const double budget_bits = 8.0 * static_cast<double>(numel.front() + numel.back()) +
                             2.5 * static_cast<double>(numel[1] + numel[2] + numel[3]) + 0.5;
  qs.fix_first_last = true;
  qs.budget_mb = budget_bits / 8e6;
  qs.eval_points = 0;
  const HawqReport r = run_hawq(model, h, qs, eval);
  EXPECT_GT(r.float_accuracy, 0.75);
  ASSERT_GE(r.evaluations.size(), 2u);
  const HawqEvaluation& hawq = r.evaluations[0];
  const HawqEvaluation& rev = r.evaluations[1];
  EXPECT_EQ(hawq.label, "hawq-v2@budget");
  EXPECT_EQ(rev.label, "reverse@budget");
  EXPECT_LE(hawq.allocation.size_bits, r.budget_bits);
  EXPECT_LE(rev.allocation.size_bits, r.budget_bits);
  EXPECT_LT(hawq.loss - r.float_loss, rev.loss - r.float_loss)
      << "HAWQ-V2 loss " << hawq.loss << " reverse " << rev.loss << " float " << r.float_loss << "\n"
      << format_hawq_table(r);
  // The model's weights are restored after the evaluations.
  EXPECT_NEAR(eval().first, r.float_loss, 1e-12);
}

}  // namespace
}  // namespace curvlab
