// Tests of algorithms/quant/hawq_report.cpp. On a tiny MLP with a hand-made Hessian report: which
// layers are quantized (weights with >= 2 dimensions), sensitivities Tr/n and their SE, the Omega
// table (NaN where a width is not allowed), the frontier against a HawqPlan built here, the
// budget, the evaluations in the documented order with the model fake-quantized during each
// (its loss, the sum of squared weights, against fake_quantize applied here; 1e-12) and restored
// after, HAWQ v1 orders, the HDF5 layout of docs/hessian.md and the table. Then HAWQ-V2 on a
// trained Fashion-MNIST MLP (5 weight layers): per-weight Hutchinson traces (analyze_hessian),
// first and last layer fixed at 8 bits (as HAWQ-V2 does), the three middle layers at 2.5 bits per
// weight on average: the allocation, fake-quantized, must raise the training loss on the Hessian's
// samples less than the reverse allocation (sensitivities mirrored; the middle layers have equal
// sizes, so it is a permutation of the same widths: the same size). Skipped when the Debian
// dataset-fashion-mnist package is not installed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

#include "algorithms/hessian/analysis.h"
#include "algorithms/map_state.h"
#include "algorithms/quant/hawq_report.h"
#include "base/error.h"
#include "engine/data/dataset.h"
#include "engine/models/model.h"

namespace curvlab {
namespace {

using testing_state::MapState;

// fc1 [3, 4] -> relu -> fc2 [3, 3] -> relu -> fc3 [2, 3], float64.
struct TinyMlpImpl : NetImpl {
  TinyMlpImpl() {
    fc1 = register_module("fc1", torch::nn::Linear(4, 3));
    fc2 = register_module("fc2", torch::nn::Linear(3, 3));
    fc3 = register_module("fc3", torch::nn::Linear(3, 2));
  }
  torch::Tensor forward(torch::Tensor x) override {
    return fc3->forward(torch::relu(fc2->forward(torch::relu(fc1->forward(x)))));
  }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
};

// A Hessian report for the tiny MLP with given weight traces (biases 0.5), SEs 0.1 x trace, and
// per-layer top eigenvalues.
HessianReport hand_report(const Net& model, const std::vector<double>& weight_traces,
                          const std::vector<double>& eigenvalues) {
  HessianReport h;
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& p : model->named_parameters()) {
    named.emplace_back(p.key(), p.value());
    h.param_names.push_back(p.key());
    h.param_numel.push_back(p.value().numel());
  }
  h.layers = group_by_layer(named);
  TraceResult t;
  for (std::size_t l = 0; l < h.layers.size(); ++l) t.groups.push_back({weight_traces[l] + 0.5, 0.0});
  for (std::size_t i = 0; i < named.size(); ++i) {
    const double tr = i % 2 == 0 ? weight_traces[i / 2] : 0.5;
    t.groups.push_back({tr, 0.1 * tr});
  }
  h.trace = t;
  for (double e : eigenvalues) {
    EigenResult r;
    r.values = {e};
    h.layer_eigen.push_back(r);
  }
  return h;
}

double sum_of_squares(const Net& model) {
  double s = 0;
  for (const auto& p : model->parameters()) s += p.detach().square().sum().item<double>();
  return s;
}

TEST(HawqReport, StudyOfATinyModel) {
  torch::manual_seed(3);
  Net model = std::make_shared<TinyMlpImpl>();
  model->to(torch::kFloat64);
  std::vector<torch::Tensor> before;
  for (const auto& p : model->parameters()) before.push_back(p.detach().clone());
  const HessianReport h = hand_report(model, {5, 2, 7}, {3, 1, 2});
  QuantOptions q;
  q.bits = {2, 4, 8};
  q.budget_avg_bits = 6;
  q.eval_points = 2;
  // The evaluation sees the weights as they are during the call: loss = sum of squared parameters.
  std::vector<double> seen;
  const EvalFn eval = [&] {
    seen.push_back(sum_of_squares(model));
    return std::make_pair(seen.back(), 0.5);
  };
  const HawqReport r = run_hawq(model, h, q, eval);
  EXPECT_EQ(r.layer_names, (std::vector<std::string>{"fc1.weight", "fc2.weight", "fc3.weight"}));
  EXPECT_EQ(r.layer_numel, (std::vector<std::int64_t>{12, 9, 6}));
  const std::vector<double> sens = {5.0 / 12, 2.0 / 9, 7.0 / 6};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(r.sensitivity[i], sens[i], 1e-15) << i;
    EXPECT_NEAR(r.sensitivity_se[i], 0.1 * sens[i], 1e-15) << i;
  }
  EXPECT_EQ(r.candidate_bits, (std::vector<std::int64_t>{2, 4, 8}));
  // First and last layers fixed at 8 bits: NaN for 2 and 4.
  EXPECT_TRUE(std::isnan(r.omega[0][0]) && std::isnan(r.omega[0][1]) && std::isnan(r.omega[2][1]));
  EXPECT_FALSE(std::isnan(r.omega[0][2]) || std::isnan(r.omega[1][0]) || std::isnan(r.omega[2][2]));
  // Frontier and Omega equal those of a plan built from the same layers here.
  std::vector<HawqLayer> layers;
  for (std::size_t i = 0; i < 3; ++i) layers.push_back({r.layer_names[i], before[2 * i], sens[i] * r.layer_numel[i], NAN});
  HawqOptions o;
  o.bits = q.bits;
  const HawqPlan plan(layers, o);
  ASSERT_EQ(r.frontier_size.size(), plan.frontier().size());
  for (std::size_t k = 0; k < plan.frontier().size(); ++k) {
    EXPECT_EQ(r.frontier_size[k], plan.frontier()[k].size);
    EXPECT_NEAR(r.frontier_omega[k], plan.frontier()[k].cost, 1e-15);
  }
  EXPECT_NEAR(r.omega[1][1], plan.omega(1, 4), 1e-15);
  EXPECT_EQ(r.budget_bits, 6 * 27);
  // Evaluations: float first, then in the documented order; each with its allocation applied.
  const std::vector<std::string> labels = {"hawq-v2@budget", "reverse@budget", "uniform-2", "uniform-4", "uniform-8"};
  ASSERT_GE(r.evaluations.size(), labels.size() + 2);
  for (std::size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(r.evaluations[i].label, labels[i]);
  EXPECT_EQ(r.evaluations[5].label, "frontier-0");
  EXPECT_EQ(r.evaluations[6].label, "frontier-" + std::to_string(plan.frontier().size() - 1));
  EXPECT_NEAR(r.float_loss, sum_of_squares(model), 1e-12);
  EXPECT_EQ(r.evaluations[0].allocation.bits, plan.at_budget(162).bits);
  EXPECT_LE(r.evaluations[0].allocation.size_bits, r.budget_bits);
  for (const HawqEvaluation& e : r.evaluations) {
    double want = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      want += fake_quantize(before[2 * i], e.allocation.bits[i], q.quantizer).square().sum().item<double>();
      want += before[2 * i + 1].square().sum().item<double>();  // biases stay in float
    }
    EXPECT_NEAR(e.loss, want, 1e-12 * want) << e.label;
    EXPECT_EQ(e.accuracy, 0.5);
  }
  // The weights are back, bit for bit.
  const auto after = model->parameters();
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(after[i], before[i])) << i;
  // HAWQ v1: lambda / n = 3/12, 1/9, 2/6 -> layers 2, 0, 1.
  EXPECT_EQ(r.v1_bit_order, (std::vector<std::size_t>{2, 0, 1}));
  EXPECT_EQ(r.v1_finetune_order.size(), 3u);
  // The table names every evaluation.
  const std::string table = format_hawq_table(r);
  for (const auto& e : r.evaluations) EXPECT_NE(table.find(e.label), std::string::npos) << e.label;
  EXPECT_NE(table.find("162 bits"), std::string::npos) << table;
}

TEST(HawqReport, SaveWritesTheDocumentedLayout) {
  torch::manual_seed(4);
  Net model = std::make_shared<TinyMlpImpl>();
  model->to(torch::kFloat64);
  QuantOptions q;
  q.bits = {2, 4};
  q.fix_first_last = false;
  q.eval_points = 1;
  const HawqReport r = run_hawq(model, hand_report(model, {1, 2, 3}, {1, 1, 1}), q, [] { return std::make_pair(1.0, 0.9); });
  MapState st;
  save_hawq_report(r, st, "hawq");
  std::set<std::string> want = {"hawq/layers/names", "hawq/layers/numel", "hawq/layers/sensitivity",
                                "hawq/layers/sensitivity_se", "hawq/candidate_bits", "hawq/omega",
                                "hawq/frontier/size_bits", "hawq/frontier/omega", "hawq/budget_bits",
                                "hawq/float/loss", "hawq/float/accuracy", "hawq/v1/bit_order", "hawq/v1/finetune_order"};
  for (std::size_t i = 0; i < r.evaluations.size(); ++i) {
    for (const char* k : {"label", "bits", "size_bits", "omega", "loss", "accuracy"}) {
      want.insert("hawq/evaluations/" + std::to_string(i) + "/" + k);
    }
  }
  const auto paths = st.paths();
  EXPECT_EQ(std::set<std::string>(paths.begin(), paths.end()), want);
  EXPECT_EQ(st.s.at("hawq/layers/names"), "fc1.weight\nfc2.weight\nfc3.weight");
  EXPECT_EQ(st.t.at("hawq/omega").sizes(), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(st.s.at("hawq/evaluations/0/label"), "hawq-v2@budget");
  EXPECT_EQ(st.i.at("hawq/budget_bits"), r.budget_bits);
}

TEST(HawqReport, NeedsTracesAndABudgetThatFits) {
  Net model = std::make_shared<TinyMlpImpl>();
  HessianReport h = hand_report(model, {1, 2, 3}, {});
  QuantOptions q;
  const EvalFn eval = [] { return std::make_pair(0.0, 0.0); };
  q.budget_mb = 1e-5;  // 80 bits; the smallest allocation is 8*12 + 2*9 + 8*6 = 162
  try {
    run_hawq(model, h, q, eval);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("the smallest possible is 162 bits"), std::string::npos) << e.what();
  }
  h.trace.reset();
  EXPECT_THROW(run_hawq(model, h, QuantOptions{}, eval), ConfigError);
}

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
