// The gradient-noise-scale hook (engine/hooks/noise_scale_hook.cpp): the columns of step 1 against
// gradients computed here with plain autograd (one rank: two micro-batches of 20 and the whole batch
// of 40; tolerances 1e-5 relative on the squared norms, 1e-4 on their ratio: float32 gradients);
// its state under noise_scale/ in checkpoints, so a stopped and resumed run gives the same column;
// and without the hook the columns stay NaN.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "base/seeding.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/job_runs.h"
#include "engine/models/model.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

std::string temp_dir(const std::string& name) { return test_util::temp_dir("noise_scale_hook_test", name); }

using test_util::large_batch_job;
using test_util::run_job;

using test_util::expect_models_close;
using test_util::final_model;
using test_util::read_csv;

}  // namespace

TEST(NoiseScaleHook, FirstStepMatchesAutograd) {
  const std::string out = temp_dir("noise");
  const JobSpec spec = large_batch_job(out, "steps = 1\nnoise_scale = true\n", 40);
  run_job(spec);
  const auto steps = read_csv(out + "/metrics_steps.csv");

  // Independent: the same initial model and first batch; gradients of the two halves (one rank:
  // two micro-batches of 20) and of the whole batch, by autograd.
  DataSplits data = load_data(spec.data, spec.job.seed);
  torch::manual_seed(derive_seed(spec.job.seed, "model_init"));
  Net model = make_model(spec.model, data.sample_shape, data.num_classes);
  Loader loader(data.train, spec.job.seed, 0, 1, false);
  Batch b = loader.next(40);
  auto grad_sq = [&](const torch::Tensor& x, const torch::Tensor& y) {
    model->zero_grad();
    torch::nn::functional::cross_entropy(model->forward(x), y).backward();
    double s = 0;
    for (const auto& p : model->parameters()) s += p.grad().to(torch::kFloat64).square().sum().item<double>();
    return s;
  };
  const double small = 0.5 * (grad_sq(b.inputs.narrow(0, 0, 20), b.targets.narrow(0, 0, 20)) +
                              grad_sq(b.inputs.narrow(0, 20, 20), b.targets.narrow(0, 20, 20)));
  const double big = grad_sq(b.inputs, b.targets);
  const double g2 = (40 * big - 20 * small) / 20, tr = (small - big) / (1.0 / 20 - 1.0 / 40);
  ASSERT_EQ(steps.at("grad_sq_norm").size(), 1u);
  EXPECT_NEAR(steps.at("grad_sq_norm")[0], g2, 1e-5 * std::abs(g2) + 1e-9);
  EXPECT_NEAR(steps.at("trace_sigma")[0], tr, 1e-5 * std::abs(tr));
  EXPECT_NEAR(steps.at("noise_scale")[0], tr / g2, 1e-4 * std::abs(tr / g2));
  fs::remove_all(out);
}


TEST(NoiseScaleHook, StateIsCheckpointedAndResumed) {
  const std::string a = temp_dir("full"), b = temp_dir("resumed"), off = temp_dir("off");
  const std::string extra = "steps = 10\nnoise_scale = true\nnoise_scale_ema = 0.8\ncheckpoint_every_steps = 4\n";
  run_job(large_batch_job(a, extra));
  std::int64_t polls = 0;
  TrainerCallbacks stop;  // stops after step 6 (checkpoint there)
  stop.stop_requested = [&] { return ++polls > 6; };
  EXPECT_EQ(run_job(large_batch_job(b, extra), RunMode::kFresh, stop).steps, 6);
  {
    auto ckpt = open_state_file(b + "/checkpoints/ckpt_00000006.h5");
    EXPECT_TRUE(ckpt->has("noise_scale/updates"));
    EXPECT_EQ(ckpt->read_int("noise_scale/updates"), 6);
  }
  EXPECT_EQ(run_job(large_batch_job(b, extra), RunMode::kResume).resumed_from_step, 6);
  const auto sa = read_csv(a + "/metrics_steps.csv"), sb = read_csv(b + "/metrics_steps.csv");
  for (const char* col : {"grad_sq_norm", "trace_sigma", "noise_scale"}) {
    ASSERT_EQ(sa.at(col).size(), 10u) << col;
    EXPECT_EQ(sa.at(col), sb.at(col)) << col;
    for (double v : sa.at(col)) EXPECT_TRUE(std::isfinite(v)) << col;
  }
  expect_models_close(a, b, 0);
  // Without train.noise_scale the hook is absent: the columns are NaN, and one backward per step.
  run_job(large_batch_job(off, "steps = 3\n"));
  const auto off_steps = read_csv(off + "/metrics_steps.csv");
  ASSERT_EQ(off_steps.at("noise_scale").size(), 3u);
  for (double v : off_steps.at("noise_scale")) EXPECT_TRUE(std::isnan(v)) << v;
  EXPECT_FALSE(open_state_file(off + "/checkpoints/ckpt_00000003.h5")->has("noise_scale"));
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(off);
}
