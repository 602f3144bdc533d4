// Building a training run (engine/train_build.cpp): what build_training fills in (data, seeded model,
// parameters, optimizer, loader, task, the step plan in steps and epochs, drop_last included) and its
// ConfigErrors (a batch or batch schedule larger than the training set, synchronized batch norm with
// fewer samples than ranks); the step and eval tables' columns with hook columns appended once; the
// model broadcast (every parameter and buffer, only with several ranks); target_row in both
// directions; train_result; and the file attributes of each kind of file.
#include "engine/train_build.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/seeding.h"
#include "comm/local/local_communicator.h"
#include "engine/mirrored_ranks.h"
#include "engine/models/batchnorm.h"
#include "engine/models/model.h"
#include "engine/run_files.h"

namespace curvlab {
namespace {

TrainContext context(TrainerOptions o, CommunicatorPtr comm = std::make_shared<LocalCommunicator>()) {
  return TrainContext(std::move(o), std::move(comm));
}

std::string config_error(TrainContext& c) {
  try {
    build_training(c);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no ConfigError>";
}

struct Columns : StepHook {
  std::string name() const override { return "columns"; }
  std::vector<std::string> step_columns() const override { return {"extra", "noise_scale", "extra"}; }
};

TEST(TrainBuild, FillsTheRunAndPlansSteps) {
  TrainerOptions o = test_util::tiny_options("unused");
  TrainContext c = context(o);
  build_training(c);
  EXPECT_EQ(c.data.train.size(), 200);
  EXPECT_EQ(c.data.test.size(), 64);
  EXPECT_EQ(c.planned_steps, 18);  // ceil(200 / 24) = 9 per epoch
  EXPECT_DOUBLE_EQ(c.planned_epochs, 2.0);
  EXPECT_EQ(c.model_spec, "mlp:1:4:4:3:16:relu");
  EXPECT_EQ(c.task->name(), "classification");
  ASSERT_EQ(c.params.size(), 4u);
  EXPECT_EQ(c.params[0].first, "fc1.weight");
  EXPECT_TRUE(c.optimizer && c.reducer && c.loader && c.schedule && c.progress);
  // The model is initialised from the stream derive_seed(seed, "model_init").
  torch::manual_seed(derive_seed(o.seed, "model_init"));
  Net same = make_model(o.model, {1, 4, 4}, 3);
  for (const auto& [name, p] : c.params) EXPECT_TRUE(torch::equal(p, same->named_parameters()[name])) << name;

  o.steps = 7;  // steps win over epochs
  TrainContext s = context(o);
  build_training(s);
  EXPECT_EQ(s.planned_steps, 7);
  EXPECT_NEAR(s.planned_epochs, 7 * 24 / 200.0, 1e-12);
  o.steps = 0;
  o.drop_last = true;  // 8 full batches per epoch
  TrainContext d = context(o);
  build_training(d);
  EXPECT_EQ(d.planned_steps, 16);
}

TEST(TrainBuild, TooLargeBatchesAndSyncBatchNormAreConfigErrors) {
  TrainerOptions o = test_util::tiny_options("unused");
  o.batch_size = 201;
  TrainContext big = context(o);
  const std::string msg = config_error(big);
  EXPECT_NE(msg.find("train.batch_size (201) is larger than the training set (200 samples)"), std::string::npos) << msg;

  o = test_util::tiny_options("unused");
  o.batch_schedule.kind = BatchScheduleKind::kStep;
  o.batch_schedule.milestones = {1};
  o.batch_schedule.gamma = 10;  // 240 samples in epoch 2
  TrainContext sched = context(o);
  const std::string s = config_error(sched);
  EXPECT_NE(s.find("the batch schedule reaches a batch of 240 samples, more than the 200 training samples"),
            std::string::npos) << s;

  o = test_util::tiny_options("unused");
  o.model.name = "resnet20";
  o.data.synthetic_shape = {3, 8, 8};
  o.batch_size = 2;
  o.comm.sync_batchnorm = true;
  TrainContext bn = context(o, std::make_shared<test_util::MirroredRanks>(3));
  const std::string b = config_error(bn);
  EXPECT_NE(b.find("comm.sync_batchnorm needs every rank to hold samples, but train.batch_size (2) is smaller than the 3 ranks"),
            std::string::npos) << b;
  o.batch_size = 3;  // enough: every rank's layers are synchronized
  TrainContext ok = context(o, std::make_shared<test_util::MirroredRanks>(3));
  build_training(ok);
  int synced = 0;
  for (const auto& m : ok.model->modules()) {
    if (auto* l = dynamic_cast<SyncableBatchNorm2dImpl*>(m.get())) synced += l->sync_comm != nullptr;
  }
  EXPECT_EQ(synced, 19);
}

TEST(TrainBuild, StepTableColumnsAndHookColumnsOnce) {
  TrainContext c = context(test_util::tiny_options("unused"));
  build_training(c);
  c.hooks.push_back(std::make_unique<Columns>());
  finish_step_table(c);
  EXPECT_EQ(c.metrics.steps.columns(),
            (std::vector<std::string>{"step", "epoch", "loss", "accuracy", "lr", "batch_size", "samples_per_s",
                                      "wall_time", "grad_sq_norm", "trace_sigma", "noise_scale", "extra"}));
  EXPECT_EQ(c.metrics.evals.columns(),
            (std::vector<std::string>{"step", "epoch", "train_loss", "test_loss", "test_accuracy", "wall_time"}));
}

TEST(TrainBuild, BroadcastModelSendsEveryParameterAndBufferOnlyWithSeveralRanks) {
  TrainerOptions o = test_util::tiny_options("unused");
  o.model.name = "resnet20";
  o.data.synthetic_shape = {3, 8, 8};
  auto one = std::make_shared<test_util::MirroredRanks>(1);
  TrainContext c = context(o, one);
  build_training(c);
  EXPECT_EQ(one->broadcasts, 0);
  auto two = std::make_shared<test_util::MirroredRanks>(2);
  TrainContext d = context(o, two);
  build_training(d);  // broadcasts once while building
  const int tensors = static_cast<int>(d.model->parameters().size() + d.model->buffers().size());
  EXPECT_EQ(two->broadcasts, 1);
  EXPECT_EQ(two->broadcast_tensors, tensors);
  broadcast_model(d);
  EXPECT_EQ(two->broadcasts, 2);
  EXPECT_EQ(two->broadcast_tensors, 2 * tensors);
}

TEST(TrainBuild, TargetRowAndTrainResult) {
  TrainerOptions o = test_util::tiny_options("/runs/x");
  o.target_metric = "test_accuracy";
  o.target_value = 0.6;
  TrainContext c = context(o);
  build_training(c);
  finish_step_table(c);
  EXPECT_EQ(target_row(c), -1);  // no evaluations yet
  c.metrics.evals.append({5, 0.5, 1.2, 1.1, 0.4, 1.0});
  c.metrics.evals.append({10, 1.0, 0.9, 0.8, 0.6, 2.0});
  c.metrics.evals.append({15, 1.5, 0.7, 0.9, 0.7, 3.0});
  EXPECT_EQ(target_row(c), 1);  // >= for accuracy, the first row that meets it
  c.options.target_metric = "test_loss";
  c.options.target_value = 0.85;
  EXPECT_EQ(target_row(c), 1);  // <= for losses
  c.options.target_value = 0.5;
  EXPECT_EQ(target_row(c), -1);
  c.options.target_metric = "";
  EXPECT_EQ(target_row(c), -1);
  c.options.target_metric = "train_loss";
  c.options.target_value = 0.9;
  EXPECT_EQ(target_row(c), 1);

  c.step = 15;
  TrainResult in;
  in.resumed = true;
  const TrainResult r = train_result(c, in, true);
  EXPECT_EQ(r.steps, 15);
  EXPECT_TRUE(r.stopped);
  EXPECT_TRUE(r.resumed);
  EXPECT_DOUBLE_EQ(r.train_loss, 0.7);
  EXPECT_DOUBLE_EQ(r.test_loss, 0.9);
  EXPECT_DOUBLE_EQ(r.test_accuracy, 0.7);
  EXPECT_EQ(r.target_step, 10);
  EXPECT_EQ(r.results_path, "/runs/x/results.h5");
  EXPECT_EQ(r.ensemble_size, 0);
}

TEST(TrainBuild, FileAttributesPerKind) {
  TrainerOptions o = test_util::tiny_options("unused");
  TrainContext c = context(o);
  build_training(c);
  c.step = 12;
  const auto ck = c.file_attributes("checkpoint");
  EXPECT_EQ(ck.at("kind"), "checkpoint");
  EXPECT_EQ(ck.at("step"), "12");
  EXPECT_EQ(ck.at("job_text"), o.job_text);
  EXPECT_EQ(ck.at("job_file"), "tiny.toml");
  EXPECT_EQ(ck.at("model_spec"), "mlp:1:4:4:3:16:relu");
  EXPECT_FALSE(ck.at("curvlab_version").empty());
  const std::string created = ck.at("created");  // 2024-01-31T12:00:00Z
  ASSERT_EQ(created.size(), 20u) << created;
  EXPECT_EQ(created[4], '-');
  EXPECT_EQ(created[10], 'T');
  EXPECT_EQ(created.back(), 'Z');
  const auto res = c.file_attributes("results");
  EXPECT_EQ(res.count("model_spec"), 0u);
  EXPECT_EQ(res.count("job_file"), 0u);
  const auto snap = c.file_attributes("snapshot");
  EXPECT_EQ(snap.at("model_spec"), "mlp:1:4:4:3:16:relu");
  EXPECT_EQ(snap.count("job_file"), 0u);
}

}  // namespace
}  // namespace curvlab
