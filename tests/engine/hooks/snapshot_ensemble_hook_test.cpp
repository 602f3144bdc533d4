// The snapshot-ensemble hook (engine/hooks/snapshot_ensemble_hook.cpp) in a trainer: the ensemble's
// accuracy and loss at every cycle end against softmax outputs averaged here from the snapshot files
// (1e-9 on accuracies, 1e-6 on the loss: float32 logits averaged in float64); a cyclical schedule
// stopped mid-cycle and resumed rebuilds the ensemble from the files and ends bitwise equal (model,
// lr, batch sizes, noise scale, the snapshot table); the snapshot files' attributes; results.h5's
// summary/ensemble_*; and snapshots without the ensemble evaluation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "engine/checkpoint/checkpointer.h"
#include "engine/data/dataset.h"
#include "engine/job_runs.h"
#include "engine/models/model.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

std::string temp_dir(const std::string& name) { return test_util::temp_dir("snapshot_ensemble_hook_test", name); }

using test_util::large_batch_job;
using test_util::run_job;

using test_util::expect_models_close;
using test_util::final_model;
using test_util::read_csv;

}  // namespace

TEST(SnapshotEnsembleHook, SnapshotEnsembleMatchesAveragedSoftmax) {
  const std::string out = temp_dir("ensemble");
  const JobSpec spec = large_batch_job(out,
                           "epochs = 3\n[train.batch_schedule]\nkind = \"cyclical\"\nmax_batch_size = 96\n"
                           "cycle_length = 1\nshape = \"square\"\n");
  const TrainResult r = run_job(spec);
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

TEST(SnapshotEnsembleHook, CyclicalScheduleResumesMidCycleBitwise) {
  const std::string schedule =
      "noise_scale = true\n[train.batch_schedule]\nkind = \"cyclical\"\nunit = \"steps\"\nmax_batch_size = 72\n"
      "cycle_length = 4\nshape = \"sawtooth\"\n";
  const std::string a = temp_dir("cyc_full"), b = temp_dir("cyc_resumed");
  const TrainResult full = run_job(large_batch_job(a, "steps = 14\nlr_scaling = \"linear\"\n" + schedule));
  EXPECT_EQ(full.steps, 14);
  EXPECT_EQ(full.ensemble_size, 3);  // cycles end after steps 4, 8, 12
  std::int64_t polls = 0;
  TrainerCallbacks stop;  // stops after step 6: in the middle of the second cycle
  stop.stop_requested = [&] { return ++polls > 6; };
  const JobSpec spec = large_batch_job(b, "steps = 14\nlr_scaling = \"linear\"\n" + schedule);
  EXPECT_EQ(run_job(spec, RunMode::kFresh, stop).steps, 6);
  const TrainResult rest = run_job(spec, RunMode::kResume);
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


TEST(SnapshotEnsembleHook, FilesAttributesResultsAndSnapshotsWithoutEnsemble) {
  const std::string out = temp_dir("files"), only = temp_dir("only_snapshots");
  const std::string schedule = "steps = 8\n[train.batch_schedule]\nkind = \"cyclical\"\nunit = \"steps\"\n"
                               "max_batch_size = 48\ncycle_length = 4\n";
  const TrainResult r = run_job(large_batch_job(out, schedule));
  EXPECT_EQ(r.ensemble_size, 2);
  const auto attrs = read_state_attributes(out + "/snapshots/snapshot_0001.h5");
  EXPECT_EQ(attrs.at("kind"), "snapshot");
  EXPECT_EQ(attrs.at("cycle"), "1");
  EXPECT_EQ(attrs.at("step"), "8");
  EXPECT_EQ(attrs.at("model_spec"), "mlp:1:4:4:3:16:relu");
  EXPECT_EQ(attrs.count("job_file"), 0u);  // snapshots do not point back at a job file
  auto results = open_state_file(out + "/results.h5");
  const auto snaps = read_csv(out + "/metrics_snapshots.csv");
  EXPECT_EQ(snaps.at("step"), (std::vector<double>{4, 8}));
  EXPECT_EQ(snaps.at("ensemble_size"), (std::vector<double>{1, 2}));
  EXPECT_EQ(results->read_int("summary/ensemble_size"), 2);
  EXPECT_NEAR(results->read_double("summary/ensemble_accuracy"), snaps.at("ensemble_accuracy").back(), 1e-8);
  EXPECT_NEAR(results->read_double("summary/ensemble_loss"), snaps.at("ensemble_loss").back(),
              1e-8 * std::abs(snaps.at("ensemble_loss").back()));
  // The first snapshot alone is the ensemble of one.
  EXPECT_EQ(snaps.at("ensemble_accuracy")[0], snaps.at("test_accuracy")[0]);
  EXPECT_NEAR(snaps.at("ensemble_loss")[0], snaps.at("test_loss")[0], 1e-8 * snaps.at("test_loss")[0]);

  // snapshots without the ensemble: files, but no table and no summary entries.
  run_job(large_batch_job(only, schedule + "ensemble = false\n"));
  EXPECT_TRUE(fs::exists(only + "/snapshots/snapshot_0000.h5"));
  EXPECT_TRUE(fs::exists(only + "/snapshots/snapshot_0001.h5"));
  EXPECT_FALSE(fs::exists(only + "/metrics_snapshots.csv"));
  EXPECT_FALSE(open_state_file(only + "/results.h5")->has("summary/ensemble_size"));
  fs::remove_all(out);
  fs::remove_all(only);
}
