// The train kind's translation (jobs/train/train_options.cpp): every TrainerOptions field from its
// job-file key (a job that sets each to a non-default value), and the step hooks the job asks for, in
// the order they must run (noise scale before K-FAC, which changes the gradients it measures; then
// snapshots; then curvature tracking), seen through a trainer run's hook calls.
#include "jobs/train/train_options.h"

#include <gtest/gtest.h>

#include "comm/local/local_communicator.h"
#include "engine/train_context.h"
#include "jobs/capture_output.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

TEST(TrainOptions, EveryFieldFromItsKey) {
  const JobSpec s = parse_job_text(
      "[job]\nname = \"opts\"\noutput_dir = \"runs/o\"\nseed = 11\n"
      "[data]\ndataset = \"synthetic\"\nsynthetic_train = 300\n[model]\nname = \"mlp\"\nwidths = [8]\n"
      "[train]\nepochs = 3\nsteps = 40\nbatch_size = 32\ndrop_last = true\noptimizer = \"lars\"\nlr = 0.3\n"
      "lr_scaling = \"sqrt\"\nreference_batch_size = 64\nmomentum = 0.8\nweight_decay = 1e-3\nmicro_batches = 2\n"
      "eval_every_steps = 7\ncheckpoint_every_steps = 9\nkeep_last = 4\nlog_every_seconds = 3\nmetrics_every_steps = 5\n"
      "target_metric = \"test_loss\"\ntarget_value = 0.4\nstop_at_target = true\n"
      "[train.lr_schedule]\nkind = \"cosine\"\nmin_lr = 0.01\n[train.batch_schedule]\nkind = \"step\"\nmilestones = [1]\n"
      "couple_lr = true\n[train.lars]\ntrust_coefficient = 0.002\n[comm]\nbucket_mb = 3\n",
      "opts.toml");
  const TrainerOptions o = trainer_options(s);
  EXPECT_EQ(o.output_dir, "runs/o");
  EXPECT_EQ(o.seed, 11u);
  EXPECT_EQ(o.job_text, s.source_text);
  EXPECT_EQ(o.job_file, "opts.toml");
  EXPECT_EQ(o.data.synthetic_train, 300);
  EXPECT_EQ(o.model.widths, (std::vector<std::int64_t>{8}));
  EXPECT_EQ(o.task, "classification");
  EXPECT_EQ(o.optimizer.kind, OptimizerKind::kLars);
  EXPECT_DOUBLE_EQ(o.optimizer.lr, 0.3);
  EXPECT_DOUBLE_EQ(o.optimizer.momentum, 0.8);
  EXPECT_DOUBLE_EQ(o.optimizer.weight_decay, 1e-3);
  EXPECT_DOUBLE_EQ(o.optimizer.lars.trust_coefficient, 0.002);
  EXPECT_DOUBLE_EQ(o.lr.lr, 0.3);
  EXPECT_EQ(o.lr.scaling, LrScaling::kSqrt);
  EXPECT_EQ(o.lr.reference_batch, 64);
  EXPECT_EQ(o.lr.base_batch, 32);  // the lr plan's base batch is train.batch_size
  EXPECT_TRUE(o.lr.couple_lr);
  EXPECT_EQ(o.lr.schedule.kind, LrScheduleKind::kCosine);
  EXPECT_DOUBLE_EQ(o.lr.schedule.min_lr, 0.01);
  EXPECT_EQ(o.batch_schedule.kind, BatchScheduleKind::kStep);
  EXPECT_DOUBLE_EQ(o.comm.bucket_mb, 3.0);
  EXPECT_EQ(o.epochs, 3);
  EXPECT_EQ(o.steps, 40);
  EXPECT_EQ(o.batch_size, 32);
  EXPECT_TRUE(o.drop_last);
  EXPECT_EQ(o.micro_batches, 2);
  EXPECT_EQ(o.eval_every_steps, 7);
  EXPECT_EQ(o.checkpoint_every_steps, 9);
  EXPECT_EQ(o.keep_last, 4);
  EXPECT_DOUBLE_EQ(o.log_every_seconds, 3.0);
  EXPECT_EQ(o.metrics_every_steps, 5);
  EXPECT_EQ(o.target_metric, "test_loss");
  EXPECT_DOUBLE_EQ(o.target_value, 0.4);
  EXPECT_TRUE(o.stop_at_target);
}

// The hooks a job gets, by name, in the order the trainer runs them (recorded at on_start, where the
// built-in checkpoint, metrics and progress hooks come last).
std::vector<std::string> hook_names(const std::string& train_extra) {
  jobs_test::ScratchDir dir("train_options_hooks");
  const JobSpec s = parse_job_text("[job]\nname = \"h\"\noutput_dir = \"" + dir / "run" + "\"\n"
                                   "[data]\ndataset = \"synthetic\"\nsynthetic_train = 64\nsynthetic_test = 16\n"
                                   "synthetic_shape = [1, 2, 2]\n[model]\nname = \"mlp\"\nwidths = [4]\n"
                                   "[train]\nsteps = 1\nbatch_size = 16\nlog_every_seconds = 1000\n" + train_extra,
                                   "h.toml");
  std::vector<std::string> names;
  TrainerCallbacks none;
  prepare_run_dir(dir / "run", RunMode::kFresh);
  auto trainer = make_job_trainer(s, std::make_shared<LocalCommunicator>(), RunMode::kFresh, none);
  struct Names : StepHook {
    std::vector<std::string>* out;
    explicit Names(std::vector<std::string>* o) : out(o) {}
    std::string name() const override { return "names"; }
    void on_start(TrainContext& c) override {
      for (const auto& h : c.hooks) out->push_back(h->name());
    }
  };
  trainer->add_hook([&](TrainContext&) { return std::make_unique<Names>(&names); });
  jobs_test::Capture err(2);
  trainer->run();
  return names;
}

TEST(TrainOptions, HooksTheJobAsksForInOrder) {
  EXPECT_EQ(hook_names(""), (std::vector<std::string>{"names", "checkpoint", "metrics", "progress"}));
  EXPECT_EQ(hook_names("optimizer = \"kfac\"\nnoise_scale = true\n"
                       "[train.batch_schedule]\nkind = \"cyclical\"\nunit = \"steps\"\nmax_batch_size = 32\ncycle_length = 1\n"
                       "[hessian]\ntrack_every_steps = 1\nsamples = 8\nplots = false\n"),
            (std::vector<std::string>{"noise_scale", "kfac", "snapshot_ensemble", "curvature_tracking", "names",
                                      "checkpoint", "metrics", "progress"}));
  // Snapshots without the ensemble still need the hook; a constant schedule does not.
  EXPECT_EQ(hook_names("[train.batch_schedule]\nkind = \"cyclical\"\nunit = \"steps\"\nmax_batch_size = 32\n"
                       "ensemble = false\n")[0],
            "snapshot_ensemble");
}

}  // namespace
}  // namespace curvlab
