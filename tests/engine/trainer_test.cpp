// The training step loop (engine/trainer.cpp): a run stopped mid-epoch and resumed ends bitwise equal
// to an uninterrupted run; a NaN loss stops the run with a DivergenceError naming its step and no
// checkpoint holding NaN, also when the step metrics are read only every train.metrics_every_steps
// steps, which changes neither the step table nor the checkpoints; micro-batches give the one-batch
// result (SGD and K-FAC, 1e-5); Adam and AdamW (with a step schedule of lr and weight decay) resume
// bitwise too; stop_at_target ends at the first evaluation meeting the target; LARS
// and a step batch schedule couple the lr to the scheduled batch; the evaluation cadence
// (every N steps, every E epochs, epoch ends, the last step); and the loop's hook calls in order.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "base/error.h"
#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/job_runs.h"
#include "engine/run_files.h"
#include "engine/train_context.h"
#include "engine/trainer.h"
#include "jobs/job_parser.h"
#include "jobs/train/train_options.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

std::string temp_dir(const std::string& name) { return test_util::temp_dir("trainer_test", name); }

// `optimizer` replaces the SGD keys ("momentum = 0.9"), `schedule` the [train.lr_schedule] keys.
JobSpec tiny_job(const std::string& out, double lr = 0.1, const std::string& optimizer = "momentum = 0.9\n",
                 const std::string& schedule = "kind = \"cosine\"\nwarmup_epochs = 0.5\n") {
  const std::string text =
      "[job]\nname = \"t\"\noutput_dir = \"" + out + "\"\nseed = 3\n"
      "[data]\ndataset = \"synthetic\"\nsynthetic_train = 200\nsynthetic_test = 64\nsynthetic_shape = [1, 4, 4]\n"
      "synthetic_classes = 3\n"
      "[model]\nname = \"mlp\"\nwidths = [16]\n"
      "[train]\nepochs = 2\nbatch_size = 24\nlr = " + std::to_string(lr) + "\n" + optimizer + "weight_decay = 1e-4\n"
      "checkpoint_every_steps = 4\nkeep_last = 2\nlog_every_seconds = 1000\n"
      "[train.lr_schedule]\n" + schedule;
  return parse_job_text(text, "tiny.toml");
}

using test_util::large_batch_job;
using test_util::run_job;

using test_util::expect_models_close;
using test_util::final_model;
using test_util::read_csv;

// The DivergenceError message of a run of `o`, or "" when it finished.
std::string divergence_of(const TrainerOptions& o) {
  try {
    test_util::run_trainer(o);
  } catch (const DivergenceError& e) {
    return e.what();
  }
  return "";
}

// Records the order of the loop's calls (one letter each) and what it saw.
struct Recorder : StepHook {
  std::string* log;
  explicit Recorder(std::string* l) : log(l) {}
  std::string name() const override { return "recorder"; }
  void on_start(TrainContext&) override { *log += "S"; }
  void before_step(TrainContext& c) override { *log += "b"; }
  void after_backward(TrainContext&, const MicroBatch& mb) override { *log += "k" + std::to_string(mb.index); }
  void before_update(TrainContext&) override { *log += "u"; }
  void after_step(TrainContext&) override { *log += "a"; }
  void at_evaluation(TrainContext& c) override { *log += "E" + std::to_string(c.step); }
  void end_of_step(TrainContext&) override { *log += "e"; }
  void before_checkpoint(TrainContext&) override { *log += "C"; }
  void on_finish(TrainContext&, bool stopped) override { *log += stopped ? "X" : "F"; }
  int min_micro_batches(const TrainContext&) const override { return 2; }
};

// Records the optimizer's weight decay at each update.
struct WeightDecayProbe : StepHook {
  std::vector<double>* decays;
  explicit WeightDecayProbe(std::vector<double>* d) : decays(d) {}
  std::string name() const override { return "weight_decay_probe"; }
  void before_update(TrainContext& c) override { decays->push_back(c.optimizer->weight_decay()); }
};

}  // namespace

TEST(Trainer, ResumeMidEpochIsBitwiseIdentical) {
  auto comm = std::make_shared<LocalCommunicator>();
  const std::string a = temp_dir("full"), b = temp_dir("resumed");
  prepare_run_dir(a, RunMode::kFresh);
  const TrainResult full = make_job_trainer(tiny_job(a), comm, RunMode::kFresh)->run();
  // 200 samples / 24 = 9 batches per epoch: 18 steps.
  EXPECT_EQ(full.steps, 18);

  prepare_run_dir(b, RunMode::kFresh);
  std::int64_t polls = 0;
  TrainerCallbacks stop_at_step_6;  // stops mid-epoch 0 (after 6 of 9 steps), checkpointing there
  stop_at_step_6.stop_requested = [&] { return ++polls > 6; };
  const TrainResult part = make_job_trainer(tiny_job(b), comm, RunMode::kFresh, stop_at_step_6)->run();
  EXPECT_EQ(part.steps, 6);
  const TrainResult rest = make_job_trainer(tiny_job(b), comm, RunMode::kResume)->run();
  EXPECT_TRUE(rest.resumed);
  EXPECT_EQ(rest.resumed_from_step, 6);
  EXPECT_EQ(rest.steps, 18);

  auto ma = final_model(a), mb = final_model(b);
  ASSERT_EQ(ma.size(), mb.size());
  ASSERT_FALSE(ma.empty());
  for (const auto& [name, t] : ma) {
    ASSERT_TRUE(mb.count(name)) << name;
    EXPECT_TRUE(torch::equal(t, mb[name])) << name << " max diff " << (t - mb[name]).abs().max().item<double>();
  }
  EXPECT_DOUBLE_EQ(full.test_accuracy, rest.test_accuracy);
  fs::remove_all(a);
  fs::remove_all(b);
}

// Adam and AdamW (amsgrad) with the paper's kind of step schedule (lr x 0.9, weight decay x 0.8
// every 0.5 epochs, so the stop at step 6 falls between two steps of it): a run stopped mid-epoch
// and resumed ends bitwise equal to the uninterrupted run, and it trains.
TEST(Trainer, AdamResumeMidEpochIsBitwiseIdentical) {
  auto comm = std::make_shared<LocalCommunicator>();
  const std::string schedule = "kind = \"step\"\nstep_every = 0.5\ngamma = 0.9\nweight_decay_gamma = 0.8\n";
  for (const std::string keys : {"optimizer = \"adam\"\n", "optimizer = \"adamw\"\nadam.amsgrad = true\n"}) {
    auto job = [&](const std::string& out) { return tiny_job(out, 0.01, keys, schedule); };
    const std::string a = temp_dir("adam_full"), b = temp_dir("adam_resumed");
    prepare_run_dir(a, RunMode::kFresh);
    auto trainer = make_job_trainer(job(a), comm, RunMode::kFresh);
    std::vector<double> decays;  // the weight decay each update used
    trainer->add_hook([&](TrainContext&) { return std::make_unique<WeightDecayProbe>(&decays); });
    const TrainResult full = trainer->run();
    EXPECT_EQ(full.steps, 18);
    ASSERT_EQ(decays.size(), 18u);
    EXPECT_EQ(decays.front(), 1e-4);
    EXPECT_EQ(decays[5], 1e-4 * 0.8);  // step 6 starts at epoch 0.6
    EXPECT_EQ(decays.back(), 1e-4 * 0.8 * 0.8 * 0.8);
    prepare_run_dir(b, RunMode::kFresh);
    std::int64_t polls = 0;
    TrainerCallbacks stop_at_step_6;
    stop_at_step_6.stop_requested = [&] { return ++polls > 6; };
    EXPECT_EQ(make_job_trainer(job(b), comm, RunMode::kFresh, stop_at_step_6)->run().steps, 6);
    const TrainResult rest = make_job_trainer(job(b), comm, RunMode::kResume)->run();
    EXPECT_EQ(rest.resumed_from_step, 6);
    auto ma = final_model(a), mb = final_model(b);
    ASSERT_FALSE(ma.empty());
    for (const auto& [name, t] : ma) {
      ASSERT_TRUE(mb.count(name)) << name;
      EXPECT_TRUE(torch::equal(t, mb[name])) << keys << name << " max diff " << (t - mb[name]).abs().max().item<double>();
    }
    EXPECT_DOUBLE_EQ(full.test_accuracy, rest.test_accuracy);
    const auto steps = read_csv(a + "/metrics_steps.csv");
    EXPECT_DOUBLE_EQ(steps.at("lr").front(), 0.01);
    EXPECT_DOUBLE_EQ(steps.at("lr").back(), 0.01 * 0.9 * 0.9 * 0.9);  // epoch 1.9: 3 steps of 0.5
    EXPECT_LT(steps.at("loss").back(), steps.at("loss").front()) << keys;
    EXPECT_GT(full.test_accuracy, 0.5) << keys;  // 3 classes: chance is 1/3
    fs::remove_all(a);
    fs::remove_all(b);
  }
}

TEST(Trainer, NanLossStopsWithoutCheckpoint) {
  auto comm = std::make_shared<LocalCommunicator>();
  const std::string a = temp_dir("nan");
  prepare_run_dir(a, RunMode::kFresh);
  try {
    make_job_trainer(tiny_job(a, 1e30), comm, RunMode::kFresh)->run();
    FAIL() << "expected NumericsError";
  } catch (const NumericsError& e) {
    EXPECT_NE(std::string(e.what()).find("train.lr"), std::string::npos) << e.what();
  }
  Checkpointer ck(a + "/checkpoints", 2);
  for (const auto& path : ck.list()) {
    auto in = open_state_file(path);
    for (const auto& name : in->children("model")) {
      EXPECT_TRUE(torch::isfinite(in->read_tensor("model/" + name)).all().item<bool>()) << path << " " << name;
    }
  }
  fs::remove_all(a);
}

TEST(Trainer, MicroBatchesGiveTheOneBatchResult) {
  for (const std::string optimizer : {"sgd", "kfac"}) {
    const std::string a = temp_dir("micro1_" + optimizer), b = temp_dir("micro3_" + optimizer);
    const std::string extra = "steps = 8\noptimizer = \"" + optimizer + "\"\n";
    run_job(large_batch_job(a, extra));
    run_job(large_batch_job(b, extra + "micro_batches = 3\n"));
    // float32 sums in another order: 1e-5 absolute on parameters of size ~0.1-1
    expect_models_close(a, b, 1e-5);
    fs::remove_all(a);
    fs::remove_all(b);
  }
}

TEST(Trainer, StopAtTargetEndsAtTheFirstEvaluationMeetingIt) {
  const std::string out = temp_dir("target");
  const TrainResult r = run_job(large_batch_job(out,
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

TEST(Trainer, LarsAndStepScheduleTrain) {
  const std::string out = temp_dir("lars");
  const TrainResult r = run_job(large_batch_job(out,
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

// train.metrics_every_steps = 4 reads the step metrics in groups: the step table (every column but
// the timings) and every checkpoint (model, optimizer and metrics) are identical to reading them
// every step.
TEST(Trainer, MetricsEveryStepsChangesNoNumber) {
  const std::string a = temp_dir("every1"), b = temp_dir("every4");
  TrainerOptions o = test_util::tiny_options(a);
  o.checkpoint_every_steps = 5;  // 5, 10, 15 and the last step 18: not all on a multiple of 4
  o.eval_every_steps = 6;
  test_util::run_trainer(o);
  o.output_dir = b;
  o.metrics_every_steps = 4;
  test_util::run_trainer(o);
  const auto sa = read_csv(a + "/metrics_steps.csv"), sb = read_csv(b + "/metrics_steps.csv");
  ASSERT_EQ(sa.at("step").size(), 18u);
  for (const auto& [col, values] : sa) {
    if (col == "samples_per_s" || col == "wall_time") continue;
    const auto& other = sb.at(col);
    ASSERT_EQ(values.size(), other.size()) << col;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (std::isnan(values[i])) {
        EXPECT_TRUE(std::isnan(other[i])) << col << " row " << i;
      } else {
        EXPECT_EQ(values[i], other[i]) << col << " row " << i;
      }
    }
  }
  EXPECT_EQ(read_csv(a + "/metrics_evals.csv").at("test_loss"), read_csv(b + "/metrics_evals.csv").at("test_loss"));
  EXPECT_EQ(read_csv(a + "/metrics_evals.csv").at("train_loss"), read_csv(b + "/metrics_evals.csv").at("train_loss"));
  EXPECT_EQ(test_util::checkpoint_steps(a), (std::vector<std::int64_t>{5, 10, 15, 18}));
  EXPECT_EQ(test_util::checkpoint_steps(b), (std::vector<std::int64_t>{5, 10, 15, 18}));
  const auto la = Checkpointer(a + "/checkpoints", 100).list(), lb = Checkpointer(b + "/checkpoints", 100).list();
  ASSERT_EQ(la.size(), lb.size());
  for (std::size_t k = 0; k < la.size(); ++k) {
    auto ia = open_state_file(la[k]), ib = open_state_file(lb[k]);
    for (const std::string group : {"model", "optimizer/momentum_buffer", "metrics/step", "metrics/eval"}) {
      const auto names = ia->children(group);
      ASSERT_FALSE(names.empty()) << group;
      EXPECT_EQ(names, ib->children(group)) << group;
      for (const auto& n : names) {
        const std::string path = group + "/" + n;
        if (n == "wall_time" || n == "samples_per_s") continue;
        const torch::Tensor ta = ia->read_tensor(path), tb = ib->read_tensor(path);
        EXPECT_TRUE(torch::equal(ta.nan_to_num(-1), tb.nan_to_num(-1))) << la[k] << " " << path;
      }
    }
    for (const char* s : {"trainer/step", "trainer/epoch", "trainer/position", "trainer/steps_since_eval"}) {
      EXPECT_EQ(ia->read_int(s), ib->read_int(s)) << s;
    }
    EXPECT_EQ(ia->read_double("trainer/loss_since_eval"), ib->read_double("trainer/loss_since_eval"));
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

// A NaN loss in a step whose metrics are read later is still reported at the step where it
// happened (with that step's epoch and lr), and no checkpoint is written after it: with checkpoints
// only at epoch ends (step 9) none at all; with a checkpoint due in between, the checkpoint's own
// read finds the NaN first.
TEST(Trainer, NanLossIsReportedAtItsStepWhenMetricsAreReadLater) {
  const std::string a = temp_dir("nan1"), b = temp_dir("nan4"), c = temp_dir("nan4ckpt");
  TrainerOptions o = test_util::tiny_options(a);
  o.lr.lr = 1e30;
  const std::string every_step = divergence_of(o);
  ASSERT_FALSE(every_step.empty()) << "lr 1e30 did not diverge";
  const auto at = every_step.find("at step ");
  ASSERT_NE(at, std::string::npos) << every_step;
  const std::int64_t k = std::stoll(every_step.substr(at + 8));
  ASSERT_GE(k, 1);
  ASSERT_LT(k, 9) << "the divergence must come before the first epoch-end checkpoint";
  EXPECT_TRUE(test_util::checkpoint_steps(a).empty());
  EXPECT_NE(k % 4, 0) << "a NaN on a multiple of 4 would not test the deferred read; change the lr";

  o.output_dir = b;
  o.metrics_every_steps = 4;
  const std::string grouped = divergence_of(o);
  EXPECT_EQ(grouped.substr(0, grouped.find(';')), every_step.substr(0, every_step.find(';')))
      << "every step: " << every_step << "\nevery 4 steps: " << grouped;
  EXPECT_NE(grouped.find("without writing a checkpoint"), std::string::npos) << grouped;
  EXPECT_TRUE(test_util::checkpoint_steps(b).empty());

  o.output_dir = c;
  o.checkpoint_every_steps = 1;  // the checkpoint of step k reads the metrics before writing
  const std::string with_ckpt = divergence_of(o);
  EXPECT_EQ(with_ckpt.substr(0, with_ckpt.find(';')), every_step.substr(0, every_step.find(';'))) << with_ckpt;
  for (std::int64_t s : test_util::checkpoint_steps(c)) EXPECT_LT(s, k) << "a checkpoint after the NaN step";
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(c);
}

// When evaluations happen: at epoch ends by default, every N steps, every E epochs (the step that
// crosses a multiple), and always at the last step.
TEST(Trainer, EvaluationCadence) {
  const std::string out = temp_dir("cadence");
  TrainerOptions o = test_util::tiny_options(out);  // 9 steps per epoch, 18 steps
  const auto eval_steps = [&](const TrainerOptions& opts) {
    test_util::run_trainer(opts);
    return read_csv(out + "/metrics_evals.csv").at("step");
  };
  EXPECT_EQ(eval_steps(o), (std::vector<double>{9, 18}));
  o.eval_every_steps = 4;
  EXPECT_EQ(eval_steps(o), (std::vector<double>{4, 8, 12, 16, 18}));
  o.eval_every_steps = 0;
  o.eval_every_epochs = 0.5;  // 100 samples: crossed in steps 5 (120), 9 (200), 14 (320), 18 (400)
  EXPECT_EQ(eval_steps(o), (std::vector<double>{5, 9, 14, 18}));
  o.eval_every_epochs = 0;
  o.steps = 7;  // a run in steps: no epoch end, the last step still evaluates
  const auto evals = eval_steps(o);
  EXPECT_EQ(evals, (std::vector<double>{7}));
  // train_loss of an evaluation is the mean step loss since the previous one.
  const auto steps = read_csv(out + "/metrics_steps.csv").at("loss");
  double mean = 0;
  for (double v : steps) mean += v / static_cast<double>(steps.size());
  // The CSV holds 9 significant digits.
  EXPECT_NEAR(read_csv(out + "/metrics_evals.csv").at("train_loss")[0], mean, 1e-8 * std::abs(mean));
  fs::remove_all(out);
}

// The hook protocol of step_hook.h: on_start, then per step before_step, after_backward per
// micro-batch, before_update, after_step, at_evaluation when due, end_of_step; a checkpoint calls
// before_checkpoint; on_finish last. min_micro_batches raises the micro-batches (2 here).
TEST(Trainer, HooksAreCalledInTheDocumentedOrder) {
  const std::string out = temp_dir("order");
  TrainerOptions o = test_util::tiny_options(out);
  o.steps = 3;
  o.eval_every_steps = 2;
  o.checkpoint_every_steps = 2;
  std::string log;
  test_util::run_trainer(o, RunMode::kFresh, {[&](TrainContext&) { return std::make_unique<Recorder>(&log); }});
  // Hooks added by the job run before the built-in ones, so this end_of_step comes before the
  // checkpoint hook's (which calls before_checkpoint).
  EXPECT_EQ(log, "S" "bk0k1uae" "bk0k1uaE2eC" "bk0k1uaE3eC" "F");
  fs::remove_all(out);
}
