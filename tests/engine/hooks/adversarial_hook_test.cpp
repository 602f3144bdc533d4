// The adversarial-training hook (engine/hooks/adversarial_hook.cpp): which batch positions are
// replaced (a fraction f of every batch, independent of how the batch is split); step 1 of a run
// with every image replaced by FGSM against one SGD step computed here on FGSM images built with
// algorithms/attack (the first momentum step is the gradient; tolerance 1e-5: float32 sums in another order); a PGD run stopped at step 3
// and resumed equals the uninterrupted run bitwise; the step table's adversarial_fraction.
#include "engine/hooks/adversarial_hook.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "algorithms/attack/gradient_attacks.h"
#include "base/seeding.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/job_runs.h"
#include "engine/models/model.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

std::string temp_dir(const std::string& name) { return test_util::temp_dir("adversarial_hook_test", name); }

std::vector<std::int64_t> as_vector(const torch::Tensor& t) {
  return std::vector<std::int64_t>(t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
}

}  // namespace

TEST(AdversarialHook, PositionsAreAFixedFractionWhateverTheSplit) {
  EXPECT_EQ(as_vector(adversarial_positions(0, 10, 0.3)), (std::vector<std::int64_t>{3, 6, 9}));
  EXPECT_EQ(adversarial_positions(0, 7, 1.0).numel(), 7);
  // Split 0..99 into ranks' slices of 33, 33, 34: the union is the whole batch's choice.
  const torch::Tensor whole = adversarial_positions(0, 100, 0.3);
  EXPECT_EQ(whole.numel(), 30);
  std::vector<std::int64_t> joined;
  for (auto [lo, n] : {std::pair<std::int64_t, std::int64_t>{0, 33}, {33, 33}, {66, 34}}) {
    for (std::int64_t i : as_vector(adversarial_positions(lo, n, 0.3))) joined.push_back(i + lo);
  }
  EXPECT_EQ(joined, as_vector(whole));
}

TEST(AdversarialHook, FirstStepIsSgdOnFgsmImages) {
  const std::string out = temp_dir("fgsm");
  const JobSpec spec = test_util::large_batch_job(
      out, "steps = 1\n[train.adversarial]\nmethod = \"fgsm\"\neps = 0.05\nfraction = 1.0\n", 40);
  ASSERT_TRUE(spec.train.adversarial.enabled);
  test_util::run_job(spec);
  const auto steps = test_util::read_csv(out + "/metrics_steps.csv");
  ASSERT_EQ(steps.at("adversarial_fraction").size(), 1u);
  EXPECT_EQ(steps.at("adversarial_fraction")[0], 1.0);

  // Independent: the same initial model and batch; FGSM in pixel units inside the training split's
  // pixel box; one SGD step of lr 0.1 on the mean cross-entropy of the attacked batch.
  DataSplits data = load_data(spec.data, spec.job.seed);
  torch::manual_seed(derive_seed(spec.job.seed, "model_init"));
  Net model = make_model(spec.model, data.sample_shape, data.num_classes);
  Loader loader(data.train, spec.job.seed, 0, 1, false);
  const Batch b = loader.next(40);
  auto pixel = std::make_shared<PixelNetImpl>(model, data.mean, data.stdev);
  const InputBox box = pixel_box(pixel->to_pixels(data.train.inputs));
  model->eval();
  const torch::Tensor adv = fgsm(*pixel, pixel->to_pixels(b.inputs), b.targets, {0.05}, AttackNorm::kLinf, box)[0];
  EXPECT_GT((adv - pixel->to_pixels(b.inputs)).abs().max().item<double>(), 0.04);
  model->train();
  model->zero_grad();
  torch::nn::functional::cross_entropy(model->forward(pixel->normalise(adv)), b.targets).backward();
  const auto trained = test_util::final_model(out);
  for (const auto& p : model->named_parameters()) {
    const torch::Tensor expected = p.value().detach() - 0.1 * p.value().grad();
    EXPECT_LE((trained.at(p.key()) - expected).abs().max().item<double>(), 1e-5) << p.key();
  }
  fs::remove_all(out);
}

TEST(AdversarialHook, PgdRunResumesBitwise) {
  const std::string a = temp_dir("full"), b = temp_dir("resumed");
  const std::string extra =
      "steps = 6\ncheckpoint_every_steps = 3\n[train.adversarial]\nmethod = \"pgd\"\neps = 0.1\nsteps = 3\n"
      "fraction = 0.5\n";
  test_util::run_job(test_util::large_batch_job(a, extra));
  std::int64_t polls = 0;
  TrainerCallbacks stop;  // stops after step 3 (checkpoint there)
  stop.stop_requested = [&] { return ++polls > 3; };
  EXPECT_EQ(test_util::run_job(test_util::large_batch_job(b, extra), RunMode::kFresh, stop).steps, 3);
  EXPECT_EQ(test_util::run_job(test_util::large_batch_job(b, extra), RunMode::kResume).resumed_from_step, 3);
  test_util::expect_models_close(a, b, 0);
  const auto sa = test_util::read_csv(a + "/metrics_steps.csv");
  ASSERT_EQ(sa.at("adversarial_fraction").size(), 6u);
  EXPECT_EQ(sa.at("adversarial_fraction")[0], 0.5);  // 12 of 24
  fs::remove_all(a);
  fs::remove_all(b);
}
