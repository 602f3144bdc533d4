// The trainer with large-batch features, checked against independent computations: the noise-scale
// columns of step 1 against gradients computed here with plain autograd; the snapshot ensemble's
// accuracy against softmax outputs averaged here from the snapshot files; micro-batches against one
// batch (SGD and K-FAC); a cyclical schedule stopped mid-cycle and resumed; stop_at_target; LARS
// and a step batch schedule end to end.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/models/model.h"
#include "base/seeding.h"
#include "engine/run_files.h"
#include "engine/trainer.h"
#include "jobs/train/train_options.h"
#include "jobs/job_parser.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

std::string temp_dir(const std::string& name) { return test_util::temp_dir("large_batch_test", name); }

JobSpec job(const std::string& out, const std::string& train_extra, std::int64_t batch = 24, double lr = 0.1) {
  const std::string text =
      "[job]\nname = \"lb\"\noutput_dir = \"" + out + "\"\nseed = 5\n"
      "[data]\ndataset = \"synthetic\"\nsynthetic_train = 240\nsynthetic_test = 96\nsynthetic_shape = [1, 4, 4]\n"
      "synthetic_classes = 3\n"
      "[model]\nname = \"mlp\"\nwidths = [16]\n"
      "[train]\nbatch_size = " + std::to_string(batch) + "\nlr = " + std::to_string(lr) +
      "\nmomentum = 0.9\nkeep_last = 2\nlog_every_seconds = 1000\n" + train_extra + "\n";
  return parse_job_text(text, "lb.toml");
}

TrainResult run(const JobSpec& spec, RunMode mode = RunMode::kFresh, TrainerCallbacks hooks = {}) {
  if (mode == RunMode::kFresh) prepare_run_dir(spec.job.output_dir, RunMode::kFresh);
  return make_job_trainer(spec, std::make_shared<LocalCommunicator>(), mode, std::move(hooks))->run();
}

// A CSV written by the trainer as column -> values.
std::map<std::string, std::vector<double>> read_csv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) header.push_back(h);
  std::map<std::string, std::vector<double>> cols;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::size_t i = 0;
    for (std::string v; std::getline(ls, v, ','); ++i) cols[header.at(i)].push_back(std::stod(v));
  }
  return cols;
}

using test_util::final_model;

void expect_models_close(const std::string& a, const std::string& b, double tol) {
  auto ma = final_model(a), mb = final_model(b);
  ASSERT_EQ(ma.size(), mb.size());
  ASSERT_FALSE(ma.empty());
  for (const auto& [name, t] : ma) {
    const double diff = (t - mb.at(name)).abs().max().item<double>();
    if (tol == 0) {
      EXPECT_TRUE(torch::equal(t, mb.at(name))) << name << " max diff " << diff;
    } else {
      EXPECT_LE(diff, tol) << name;
    }
  }
}

}  // namespace

TEST(LargeBatchTrainer, NoiseScaleOfTheFirstStepMatchesAutograd) {
  const std::string out = temp_dir("noise");
  const JobSpec spec = job(out, "steps = 1\nnoise_scale = true\n", 40);
  run(spec);
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

TEST(LargeBatchTrainer, MicroBatchesGiveTheOneBatchResult) {
  for (const std::string optimizer : {"sgd", "kfac"}) {
    const std::string a = temp_dir("micro1_" + optimizer), b = temp_dir("micro3_" + optimizer);
    const std::string extra = "steps = 8\noptimizer = \"" + optimizer + "\"\n";
    run(job(a, extra));
    run(job(b, extra + "micro_batches = 3\n"));
    // float32 sums in another order: 1e-5 absolute on parameters of size ~0.1-1
    expect_models_close(a, b, 1e-5);
    fs::remove_all(a);
    fs::remove_all(b);
  }
}

TEST(LargeBatchTrainer, CyclicalScheduleResumesMidCycleBitwise) {
  const std::string schedule =
      "noise_scale = true\n[train.batch_schedule]\nkind = \"cyclical\"\nunit = \"steps\"\nmax_batch_size = 72\n"
      "cycle_length = 4\nshape = \"sawtooth\"\n";
  const std::string a = temp_dir("cyc_full"), b = temp_dir("cyc_resumed");
  const TrainResult full = run(job(a, "steps = 14\nlr_scaling = \"linear\"\n" + schedule));
  EXPECT_EQ(full.steps, 14);
  EXPECT_EQ(full.ensemble_size, 3);  // cycles end after steps 4, 8, 12
  std::int64_t polls = 0;
  TrainerCallbacks stop;  // stops after step 6: in the middle of the second cycle
  stop.stop_requested = [&] { return ++polls > 6; };
  const JobSpec spec = job(b, "steps = 14\nlr_scaling = \"linear\"\n" + schedule);
  EXPECT_EQ(run(spec, RunMode::kFresh, stop).steps, 6);
  const TrainResult rest = run(spec, RunMode::kResume);
  EXPECT_EQ(rest.resumed_from_step, 6);
  expect_models_close(a, b, 0);
  const auto sa = read_csv(a + "/metrics_steps.csv"), sb = read_csv(b + "/metrics_steps.csv");
  EXPECT_EQ(sa.at("batch_size"), sb.at("batch_size"));
  EXPECT_EQ(sa.at("lr"), sb.at("lr"));
  EXPECT_EQ(sa.at("noise_scale"), sb.at("noise_scale"));
  // sawtooth 24..72 over 4 steps: 24, 36, 48, 60, then again; an epoch (240 samples) ends with the
  // remainder: 24+36+48+60+24+36 = 228, so step 7 gets 12, and again at step 13
  const std::vector<double> expected = {24, 36, 48, 60, 24, 36, 12, 60, 24, 36, 48, 60, 12, 36};
  EXPECT_EQ(sa.at("batch_size"), expected);
  // linear scaling with reference = train.batch_size (24) and couple_lr off: lr stays 0.1
  for (double lr : sa.at("lr")) EXPECT_DOUBLE_EQ(lr, 0.1);
  EXPECT_EQ(read_csv(a + "/metrics_snapshots.csv"), read_csv(b + "/metrics_snapshots.csv"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(LargeBatchTrainer, SnapshotEnsembleMatchesAveragedSoftmax) {
  const std::string out = temp_dir("ensemble");
  const JobSpec spec = job(out,
                           "epochs = 3\n[train.batch_schedule]\nkind = \"cyclical\"\nmax_batch_size = 96\n"
                           "cycle_length = 1\nshape = \"square\"\n");
  const TrainResult r = run(spec);
  EXPECT_EQ(r.ensemble_size, 3);
  const auto snaps = read_csv(out + "/metrics_snapshots.csv");
  ASSERT_EQ(snaps.at("cycle").size(), 3u);

  // Independent: load each snapshot file into a fresh model, average softmax outputs here.
  DataSplits data = load_data(spec.data, spec.job.seed);
  Net model = make_model(spec.model, data.sample_shape, data.num_classes);
  model->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor sum;
  for (int c = 0; c < 3; ++c) {
    char name[64];
    std::snprintf(name, sizeof(name), "/snapshots/snapshot_%04d.h5", c);
    auto in = open_state_file(out + name);
    for (auto& p : model->named_parameters()) p.value().copy_(in->read_tensor("model/" + p.key()));
    auto prob = torch::softmax(model->forward(data.test.inputs).to(torch::kFloat64), 1);
    sum = sum.defined() ? sum + prob : prob;
    const auto mean = sum / (c + 1.0);
    const double acc = mean.argmax(1).eq(data.test.targets).to(torch::kFloat64).mean().item<double>();
    const double nll = -mean.gather(1, data.test.targets.unsqueeze(1)).log().mean().item<double>();
    const double single = prob.argmax(1).eq(data.test.targets).to(torch::kFloat64).mean().item<double>();
    EXPECT_NEAR(snaps.at("ensemble_accuracy")[c], acc, 1e-9) << "cycle " << c;
    EXPECT_NEAR(snaps.at("ensemble_loss")[c], nll, 1e-6) << "cycle " << c;
    EXPECT_NEAR(snaps.at("test_accuracy")[c], single, 1e-9) << "cycle " << c;
  }
  EXPECT_NEAR(r.ensemble_accuracy, snaps.at("ensemble_accuracy")[2], 1e-9);
  fs::remove_all(out);
}

TEST(LargeBatchTrainer, StopAtTargetEndsAtTheFirstEvaluationMeetingIt) {
  const std::string out = temp_dir("target");
  const TrainResult r = run(job(out,
                                "epochs = 20\neval_every_steps = 5\ntarget_metric = \"test_accuracy\"\n"
                                "target_value = 0.5\nstop_at_target = true\n"));
  const auto evals = read_csv(out + "/metrics_evals.csv");
  std::size_t first = 0;
  while (first < evals.at("test_accuracy").size() && evals.at("test_accuracy")[first] < 0.5) ++first;
  ASSERT_LT(first, evals.at("test_accuracy").size()) << "the target was never met";
  EXPECT_EQ(first + 1, evals.at("step").size());  // the run ended there
  EXPECT_EQ(r.steps, static_cast<std::int64_t>(evals.at("step")[first]));
  EXPECT_EQ(r.target_step, r.steps);
  EXPECT_LT(r.steps, 200);  // 20 epochs of 10 steps were planned
  auto results = open_state_file(out + "/results.h5");
  EXPECT_EQ(results->read_int("summary/target_reached"), 1);
  EXPECT_DOUBLE_EQ(results->read_double("summary/target_step"), evals.at("step")[first]);
  fs::remove_all(out);
}

TEST(LargeBatchTrainer, LarsAndStepScheduleTrain) {
  const std::string out = temp_dir("lars");
  const TrainResult r = run(job(out,
                                "epochs = 4\noptimizer = \"lars\"\nweight_decay = 1e-4\n"
                                "lr_scaling = \"sqrt\"\nreference_batch_size = 24\n"
                                "[train.batch_schedule]\nkind = \"step\"\nmilestones = [2]\ngamma = 4\ncouple_lr = true\n",
                                24, 2.0));
  const auto steps = read_csv(out + "/metrics_steps.csv");
  // 240 samples: 2 epochs of 10 batches of 24, then 2 epochs of 3 batches of 96 (96, 96, 48)
  const std::vector<double> expected_batches = {24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
                                                24, 24, 24, 24, 96, 96, 48, 96, 96, 48};
  EXPECT_EQ(steps.at("batch_size"), expected_batches);
  EXPECT_DOUBLE_EQ(steps.at("lr").front(), 2.0);
  EXPECT_DOUBLE_EQ(steps.at("lr")[20], 4.0);  // sqrt(96 / 24) = 2: coupled to the scheduled batch
  // the lr follows the scheduled batch (96), also for an epoch's smaller remainder batch (48)
  EXPECT_DOUBLE_EQ(steps.at("lr").back(), 4.0);
  EXPECT_EQ(r.steps, 26);
  EXPECT_GT(r.test_accuracy, 0.5);  // 3 classes: chance is 1/3
  fs::remove_all(out);
}
