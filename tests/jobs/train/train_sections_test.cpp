// The train kind's sections (jobs/train/train_sections.cpp): every bad [train], [train.lr_schedule],
// [train.batch_schedule] value and every rule between their keys, each a ConfigError at the key to
// change (bad_job_cases.h); train.task (default "classification", an unknown name listing the
// registry's names with a hint, targets limited to the task's metrics); metrics_every_steps and the
// other cadence keys with their defaults and ranges; [kfac] read into KfacOptions; [train.adam] and
// the step schedule's step_every / weight_decay_gamma (ranges, the SGD keys adam refuses).
#include "jobs/train/train_sections.h"

#include <gtest/gtest.h>

#include "algorithms/kfac/kfac_job.h"
#include "algorithms/kfac/kfac_options.h"
#include "algorithms/optim/optimizer_options.h"
#include "base/error.h"
#include "jobs/bad_job_cases.h"

namespace curvlab {
namespace bad_job {

const std::vector<BadCase>& train_section_cases() {
  static const std::vector<BadCase> cases = {
      {"LrNegative", kJob + "[train]\nlr = -0.1\n", {},
       {"job.toml:4:6: train.lr must be > 0 (got -0.1)"}},
      {"LrZero", kJob + "[train]\nlr = 0\n", {}, {"job.toml:4:6: train.lr must be > 0 (got 0)"}},
      {"LrInfinite", kJob + "[train]\nlr = inf\n", {},
       {"job.toml:4:6: train.lr must be a finite number (got inf)"}},
      {"BatchSizeZero", kJob + "[train]\nbatch_size = 0\n", {},
       {"job.toml:4:14: train.batch_size must be >= 1 (got 0)"}},
      {"EpochsNegative", kJob + "[train]\nepochs = -1\n", {},
       {"job.toml:4:10: train.epochs must be >= 0 (got -1)"}},
      {"EpochsAndStepsZero", kJob + "[train]\nepochs = 0\n", {},
       {"job.toml:4:10: train.epochs and train.steps are both 0: set train.epochs >= 1 or "
        "train.steps >= 1"}},
      {"MomentumOne", kJob + "[train]\nmomentum = 1.0\n", {},
       {"job.toml:4:12: train.momentum must be in [0, 1) (got 1)"}},
      {"MomentumNegative", kJob + "[train]\nmomentum = -0.5\n", {},
       {"train.momentum must be in [0, 1) (got -0.5)"}},
      {"WeightDecayNegative", kJob + "[train]\nweight_decay = -1e-4\n", {},
       {"job.toml:4:16: train.weight_decay must be >= 0 (got -0.0001)"}},
      {"DampeningAboveOne", kJob + "[train]\ndampening = 1.5\n", {},
       {"job.toml:4:13: train.dampening must be in [0, 1) (got 1.5)"}},
      {"KeepLastZero", kJob + "[train]\nkeep_last = 0\n", {},
       {"job.toml:4:13: train.keep_last must be >= 1 (got 0)"}},
      {"LogEveryZero", kJob + "[train]\nlog_every_seconds = 0\n", {},
       {"train.log_every_seconds must be > 0 (got 0)"}},
      {"WarmupNegative", kJob + "[train.lr_schedule]\nwarmup_epochs = -1\n", {},
       {"job.toml:4:17: train.lr_schedule.warmup_epochs must be >= 0 (got -1)"}},
      {"WarmupFactorAboveOne", kJob + "[train.lr_schedule]\nwarmup_start_factor = 2\n", {},
       {"train.lr_schedule.warmup_start_factor must be in [0, 1] (got 2)"}},
      {"GammaZero", kJob + "[train.lr_schedule]\ngamma = 0\n", {},
       {"job.toml:4:9: train.lr_schedule.gamma must be > 0 (got 0)"}},
      {"MilestoneNegative", kJob + "[train.lr_schedule]\nkind = \"step\"\nmilestones = [-1, 3]\n",
       {}, {"job.toml:5:15: train.lr_schedule.milestones[0] must be a finite number >= 0 (got -1)"}},
      {"MilestoneNotNumber", kJob + "[train.lr_schedule]\nmilestones = [1, \"x\"]\n", {},
       {"job.toml:4:18: train.lr_schedule.milestones[1] must be a number, got string \"x\""}},
      {"NesterovWithoutMomentum", kJob + "[train]\nmomentum = 0.0\nnesterov = true\n", {},
       {"job.toml:5:12: train.nesterov = true requires train.momentum > 0 and train.dampening = 0",
        "got momentum 0, dampening 0"}},
      {"NesterovWithDampening", kJob + "[train]\ndampening = 0.1\nnesterov = true\n", {},
       {"job.toml:5:12:", "got momentum 0.9, dampening 0.1"}},
      {"MilestonesDecreasing", kJob + "[train.lr_schedule]\nkind = \"step\"\nmilestones = [60, 30]\n",
       {}, {"job.toml:5:14: train.lr_schedule.milestones must be strictly increasing (got 60 then 30)"}},
      {"StepWithoutMilestones", kJob + "[train.lr_schedule]\nkind = \"step\"\n", {},
       {"job.toml:4:8: train.lr_schedule.kind = \"step\" needs train.lr_schedule.milestones"}},
      {"MinLrAboveLr", kJob + "[train]\nlr = 0.1\n[train.lr_schedule]\nmin_lr = 0.5\n", {},
       {"job.toml:6:10: train.lr_schedule.min_lr must be <= train.lr (got min_lr 0.5, lr 0.1)"}},
      {"WarmupLongerThanTraining", kJob + "[train]\nepochs = 2\n[train.lr_schedule]\nwarmup_epochs = 5\n",
       {}, {"job.toml:6:17: train.lr_schedule.warmup_epochs must be <= train.epochs (got 5 > 2)"}},
      {"OptimizerUnknown", kJob + "[train]\noptimizer = \"adagrad\"\n", {},
       {"job.toml:4:13: train.optimizer must be one of sgd, kfac, lars, adam, adamw (got \"adagrad\")"}},
      {"AdamWithMomentum", kJob + "[train]\noptimizer = \"adam\"\nmomentum = 0.9\n", {},
       {"job.toml:5:12: train.momentum does not apply to train.optimizer = \"adam\" (its momentum is "
        "train.adam.beta1): remove train.momentum"}},
      {"AdamwWithDampening", kJob + "[train]\noptimizer = \"adamw\"\ndampening = 0\n", {},
       {"job.toml:5:13: train.dampening does not apply to train.optimizer = \"adamw\""}},
      {"AdamWithNesterov", kJob + "[train]\nnesterov = false\noptimizer = \"adam\"\n", {},
       {"job.toml:4:12: train.nesterov does not apply", "remove train.nesterov"}},
      {"AdamBeta1One", kJob + "[train.adam]\nbeta1 = 1\n", {},
       {"job.toml:4:9: train.adam.beta1 must be in [0, 1) (got 1)"}},
      {"AdamBeta2Negative", kJob + "[train.adam]\nbeta2 = -0.5\n", {},
       {"job.toml:4:9: train.adam.beta2 must be in [0, 1) (got -0.5)"}},
      {"AdamEpsNegative", kJob + "[train.adam]\neps = -1\n", {}, {"job.toml:4:7: train.adam.eps must be >= 0 (got -1)"}},
      {"AdamAmsgradString", kJob + "[train.adam]\namsgrad = \"yes\"\n", {},
       {"train.adam.amsgrad must be true or false, got string \"yes\""}},
      {"AdamKeyNearMiss", kJob + "[train.adam]\nbeta_1 = 0.9\n", {}, {"did you mean 'train.adam.beta1'?"}},
      {"StepEveryNegative", kJob + "[train.lr_schedule]\nkind = \"step\"\nstep_every = -1\n", {},
       {"job.toml:5:14: train.lr_schedule.step_every must be >= 0 (got -1)"}},
      {"StepEveryAndMilestones", kJob + "[train.lr_schedule]\nkind = \"step\"\nmilestones = [30]\nstep_every = 10\n",
       {}, {"job.toml:6:14: set only one of train.lr_schedule.milestones and train.lr_schedule.step_every"}},
      {"StepEveryWithoutStepKind", kJob + "[train.lr_schedule]\nstep_every = 10\n", {},
       {"job.toml:4:14: train.lr_schedule.step_every needs train.lr_schedule.kind = \"step\" (got \"constant\")"}},
      {"StepEveryTooSmall", kJob + "[train]\nepochs = 10\n[train.lr_schedule]\nkind = \"step\"\nstep_every = 1e-5\n",
       {}, {"job.toml:7:14:", "gives more than 100000 lr steps"}},
      {"WeightDecayGammaZero", kJob + "[train.lr_schedule]\nweight_decay_gamma = 0\n", {},
       {"job.toml:4:22: train.lr_schedule.weight_decay_gamma must be > 0 (got 0)"}},
      {"WeightDecayGammaWithoutStepKind", kJob + "[train.lr_schedule]\nkind = \"cosine\"\nweight_decay_gamma = 0.8\n",
       {}, {"job.toml:5:22: train.lr_schedule.weight_decay_gamma multiplies the weight decay", "(got \"cosine\")"}},
      {"OptimizerUpperCase", kJob + "[train]\noptimizer = \"SGD\"\n", {}, {"did you mean \"sgd\"?"}},
      {"ScheduleKindNearMiss", kJob + "[train.lr_schedule]\nkind = \"cosin\"\n", {},
       {"job.toml:4:8: train.lr_schedule.kind must be one of constant, step, cosine (got "
        "\"cosin\"); did you mean \"cosine\"?"}},
      {"CyclicalWithoutMax", kJob + "[train.batch_schedule]\nkind = \"cyclical\"\n", {},
       {"job.toml:4:8:", "needs train.batch_schedule.max_batch_size"}},
      {"CyclicalMaxBelowMin", kJob + "[train]\nbatch_size = 64\n[train.batch_schedule]\nkind = \"cyclical\"\n"
       "max_batch_size = 32\n", {},
       {"job.toml:7:18:", "max_batch_size (32) must be >= the smallest batch of a cycle (64"}},
      {"StepScheduleWithoutMilestones", kJob + "[train.batch_schedule]\nkind = \"step\"\n", {},
       {"job.toml:4:8:", "needs train.batch_schedule.milestones"}},
      {"CoupleLrWithoutRule", kJob + "[train.batch_schedule]\ncouple_lr = true\n", {},
       {"job.toml:4:13:", "set train.lr_scaling = \"linear\" or \"sqrt\""}},
      {"BadCycleShape", kJob + "[train.batch_schedule]\nshape = \"sine\"\n", {},
       {"job.toml:4:9:", "train.batch_schedule.shape must be one of", "sawtooth"}},
      {"WarmupFactorWithScaling", kJob + "[train]\nlr_scaling = \"linear\"\n[train.lr_schedule]\n"
       "warmup_epochs = 1\nwarmup_start_factor = 0.1\n", {},
       {"job.toml:7:23:", "the warmup starts at train.lr"}},
      {"TargetWithoutValue", kJob + "[train]\ntarget_metric = \"test_accuracy\"\n", {},
       {"job.toml:4:17:", "needs train.target_value"}},
      {"StopAtTargetWithoutMetric", kJob + "[train]\nstop_at_target = true\n", {},
       {"job.toml:4:18:", "a target needs train.target_metric"}},
      {"LarsWithNesterov", kJob + "[train]\noptimizer = \"lars\"\nnesterov = true\n", {},
       {"job.toml:5:12:", "uses plain momentum"}},
      {"MicroBatchesAboveBatch", kJob + "[train]\nbatch_size = 4\nmicro_batches = 8\n", {},
       {"job.toml:5:17:", "is larger than train.batch_size (4)"}},
      {"EnsembleWithoutSnapshots", kJob + "[train.batch_schedule]\nkind = \"cyclical\"\nmax_batch_size = 512\n"
       "snapshots = false\n", {},
       {"ensemble = true evaluates the saved snapshots"}},
  };
  return cases;
}

}  // namespace bad_job

namespace {

using bad_job::BadCase;
using bad_job::kJob;

CURVLAB_BAD_JOB_SUITE(TrainSectionsBadFile, bad_job::train_section_cases);

const BadCase kTaskCases[] = {
    {"TaskUnknown", kJob + "[train]\ntask = \"ranking\"\n", {},
     {"job.toml:4:8: train.task must be one of classification, regression (got \"ranking\")"}},
    {"RegressionTargetMetrics", kJob + "[train]\ntask = \"regression\"\ntarget_metric = \"test_accuracy\"\n"
                                "target_value = 0.5\n", {},
     {"train.target_metric must be one of", "test_loss, test_rel_error, train_loss"}},
    {"TaskNearMiss", kJob + "[train]\ntask = \"clasification\"\n", {}, {"did you mean \"classification\"?"}},
    {"TaskNotAString", kJob + "[train]\ntask = 1\n", {}, {"train.task must be a string"}},
    {"TargetNotOfTheTask", kJob + "[train]\ntarget_metric = \"accuracy\"\ntarget_value = 0.5\n", {},
     {"job.toml:4:17: train.target_metric must be one of", "test_accuracy, test_loss, train_loss"}},
    {"MetricsEveryStepsZero", kJob + "[train]\nmetrics_every_steps = 0\n", {},
     {"job.toml:4:23: train.metrics_every_steps must be >= 1 (got 0)"}},
    {"EvalEveryBoth", kJob + "[train]\neval_every_steps = 5\neval_every_epochs = 0.5\n", {},
     {"job.toml:5:21: set only one of train.eval_every_steps and train.eval_every_epochs"}},
    {"KfacDampingZero", kJob + "[kfac]\ndamping = 0\n", {}, {"job.toml:4:11: kfac.damping must be > 0 (got 0)"}},
    {"KfacMilestonesDecreasing", kJob + "[kfac]\ndamping_milestones = [5, 2]\n", {},
     {"kfac.damping_milestones must be strictly increasing (got 5 then 2)"}},
    {"KfacFractionAboveOne", kJob + "[kfac]\ngrad_worker_fraction = 1.5\n", {},
     {"kfac.grad_worker_fraction must be in [0, 1] (got 1.5)"}},
    {"AdversarialMethodNotFixedEps", kJob + "[train.adversarial]\nmethod = \"deepfool\"\n", {},
     {"job.toml:4:10: train.adversarial.method must be \"fgsm\" or \"pgd\" (got \"deepfool\")"}},
    {"AdversarialEpsZero", kJob + "[train.adversarial]\neps = 0\n", {}, {"train.adversarial.eps must be > 0 (got 0)"}},
    {"AdversarialFractionZero", kJob + "[train.adversarial]\nfraction = 0\n", {},
     {"train.adversarial.fraction must be in (0, 1]"}},
    {"AdversarialFractionAboveOne", kJob + "[train.adversarial]\nfraction = 1.5\n", {},
     {"train.adversarial.fraction must be in [0, 1] (got 1.5)"}},
};

TEST(TrainSections, AdversarialTraining) {
  EXPECT_FALSE(parse_job_text(kJob, "job.toml").train.adversarial.enabled);
  const JobSpec s = parse_job_text(kJob + "[train.adversarial]\nmethod = \"pgd\"\nnorm = \"l2\"\neps = 0.5\n"
                                          "steps = 7\nstep_ratio = 2\nfraction = 0.25\n", "job.toml");
  const AdversarialTrainingOptions& a = s.train.adversarial;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.method, AttackMethod::kPgd);
  EXPECT_EQ(a.norm, AttackNorm::kL2);
  EXPECT_EQ(a.eps, 0.5);
  EXPECT_EQ(a.steps, 7);
  EXPECT_EQ(a.step_ratio, 2.0);
  EXPECT_EQ(a.fraction, 0.25);
}

TEST(TrainSections, TaskAndCadenceKeysAreChecked) {
  for (const BadCase& c : kTaskCases) bad_job::check_case(c);
}

TEST(TrainSections, TaskDefaultAndTheKeysRead) {
  const JobSpec d = parse_job_text(kJob, "job.toml");
  EXPECT_EQ(d.train.task, "classification");
  EXPECT_EQ(d.train.metrics_every_steps, 1);
  EXPECT_EQ(d.where("train.task").str(), "job.toml");  // default: the file itself
  const JobSpec s = parse_job_text(kJob + "[train]\ntask = \"classification\"\nmetrics_every_steps = 8\n"
                                          "target_metric = \"train_loss\"\ntarget_value = 0.3\n"
                                          "[kfac]\ndamping = 0.01\nskip_layers = [\"fc2\"]\nmethod = \"inverse\"\n",
                                   "job.toml");
  EXPECT_EQ(s.train.task, "classification");
  EXPECT_EQ(s.train.metrics_every_steps, 8);
  EXPECT_EQ(s.where("train.metrics_every_steps").str(), "job.toml:5:23");
  EXPECT_EQ(s.train.target_metric, "train_loss");
  EXPECT_DOUBLE_EQ(s.kfac.damping, 0.01);
  EXPECT_EQ(s.kfac.skip_layers, (std::vector<std::string>{"fc2"}));
  EXPECT_EQ(kfac_method_names().name(s.kfac.method), "inverse");
  // The rules alone, on a spec built in code: a valid one passes, a broken one throws.
  JobSpec spec = parse_job_text(kJob, "job.toml");
  EXPECT_NO_THROW(check_train_rules(spec));
  spec.train.epochs = 0;
  spec.train.steps = 0;
  EXPECT_THROW(check_train_rules(spec), ConfigError);
}

// [train.adam] and the step schedule's step_every and weight_decay_gamma: read into AdamOptions and
// LrScheduleOptions; defaults torch.optim's (betas 0.9, 0.999, eps 1e-8, no amsgrad), step_every off,
// weight_decay_gamma 1; the paper's recipe (issue 18) is a valid job.
TEST(TrainSections, AdamKeysAndStepEvery) {
  const JobSpec d = parse_job_text(kJob, "job.toml");
  EXPECT_EQ(d.train.adam.beta1, 0.9);
  EXPECT_EQ(d.train.adam.beta2, 0.999);
  EXPECT_EQ(d.train.adam.eps, 1e-8);
  EXPECT_FALSE(d.train.adam.amsgrad);
  EXPECT_EQ(d.train.lr_schedule.step_every, 0.0);
  EXPECT_EQ(d.train.lr_schedule.weight_decay_gamma, 1.0);
  const JobSpec s = parse_job_text(kJob + "[train]\noptimizer = \"adam\"\nlr = 1e-2\nweight_decay = 1e-4\n"
                                          "[train.adam]\nbeta1 = 0.8\nbeta2 = 0.99\neps = 1e-6\namsgrad = true\n"
                                          "[train.lr_schedule]\nkind = \"step\"\nstep_every = 100\ngamma = 0.9\n"
                                          "weight_decay_gamma = 0.8\n",
                                   "job.toml");
  EXPECT_EQ(s.train.optimizer, OptimizerKind::kAdam);
  EXPECT_EQ(s.train.adam.beta1, 0.8);
  EXPECT_EQ(s.train.adam.beta2, 0.99);
  EXPECT_EQ(s.train.adam.eps, 1e-6);
  EXPECT_TRUE(s.train.adam.amsgrad);
  EXPECT_EQ(s.where("train.adam.amsgrad").str(), "job.toml:11:11");
  EXPECT_EQ(s.train.lr_schedule.step_every, 100.0);
  EXPECT_EQ(s.train.lr_schedule.weight_decay_gamma, 0.8);
  EXPECT_EQ(parse_job_text(kJob + "[train]\noptimizer = \"adamw\"\n", "job.toml").train.optimizer, OptimizerKind::kAdamw);
  // [train.adam] next to another optimizer is accepted, as [train.lars] is (a sweep over optimizers).
  EXPECT_NO_THROW(parse_job_text(kJob + "[train]\noptimizer = \"sgd\"\n[train.adam]\nbeta2 = 0.98\n", "job.toml"));
}

// ---- moved from tests/algorithms/kfac/kfac_trainer_test.cpp ----

TEST(KfacTrainer, ParserReadsKfacSection) {
  JobSpec spec = testing_kfac::kfac_job("/tmp/x");
  EXPECT_EQ(optimizer_names().name(spec.train.optimizer), "kfac");
  EXPECT_EQ(spec.kfac.factor_update_freq, 2);
  EXPECT_EQ(spec.kfac.inv_update_freq, 3);
  EXPECT_DOUBLE_EQ(spec.kfac.damping, 0.003);
  EXPECT_EQ(spec.kfac.skip_layers, (std::vector<std::string>{"fc2"}));
  EXPECT_EQ(kfac_method_names().name(spec.kfac.method), "eigen");
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\nmethod = \"newton\"\n", "bad.toml"), ConfigError);
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\ndamping = 0\n", "bad.toml"), ConfigError);
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\nskip_layers = [1]\n", "bad.toml"), ConfigError);
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\ngrad_worker_fraction = 1.5\n", "bad.toml"),
               ConfigError);
}

}  // namespace
}  // namespace curvlab
