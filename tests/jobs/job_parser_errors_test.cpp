// Bad job files and bad --set overrides: each case asserts the ConfigError's message content, i.e.
// "job.toml:LINE:COLUMN: " (or "--set ...: "), the dotted key, what is wrong, the allowed values or
// range, and the did-you-mean hint where one applies.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

// Most cases start with this valid [job] section (lines 1-2), so the line under test is line 3+.
const std::string kJob = "[job]\noutput_dir = \"out\"\n";

struct BadCase {
  const char* name;
  std::string text;
  std::vector<std::string> overrides;
  std::vector<std::string> expected;  // substrings the message must hold
};

// The ConfigError message for `c`, or a marker that makes every expectation fail.
std::string error_message(const BadCase& c) {
  try {
    parse_job_text(c.text, "job.toml", c.overrides);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not a ConfigError: ") + e.what() + ">";
  }
  return "<parsed without error>";
}

const std::vector<BadCase>& bad_cases() {
  static const std::vector<BadCase> cases = {
      // ---- TOML syntax ----
      {"SyntaxDoubleEquals", kJob + "[train]\nlr = = 0.1\n", {},
       {"job.toml:4:", "TOML syntax error"}},
      {"SyntaxDuplicateKey", kJob + "[train]\nlr = 0.1\nlr = 0.2\n", {},
       {"job.toml:5:", "TOML syntax error", "lr"}},
      {"SyntaxUnterminatedString", kJob + "[data]\nroot = \"/tmp\n", {},
       {"job.toml:4:", "TOML syntax error"}},
      // ---- unknown keys and sections ----
      {"UnknownKeyNearMiss", kJob + "[train]\nlrr = 0.1\n", {},
       {"job.toml:4:1: unknown key 'train.lrr' in [train]; did you mean 'train.lr'?",
        "keys allowed in [train]: epochs, steps, batch_size"}},
      {"UnknownKeyTransposed", kJob + "[train]\nmomentmu = 0.9\n", {},
       {"job.toml:4:1:", "'train.momentmu'", "did you mean 'train.momentum'?"}},
      {"UnknownSectionNearMiss", kJob + "[trian]\nlr = 0.1\n", {},
       {"job.toml:3:2: unknown key 'trian' at the top level; did you mean 'train'?",
        "[job], [data], [model], [train], [comm]"}},
      {"UnknownDottedTopLevel", "trian.lr = 0.1\n" + kJob, {},
       {"job.toml:1:1: unknown key 'trian' at the top level; did you mean 'train'?"}},
      {"KeyInWrongSection", kJob + "[data]\nlr = 0.1\n", {},
       {"job.toml:4:1: unknown key 'data.lr' in [data]; did you mean 'train.lr' (in [train])?"}},
      {"BareKeyAtTopLevel", "lr = 0.1\n" + kJob, {},
       {"job.toml:1:1: unknown key 'lr' at the top level; did you mean 'train.lr' (in [train])?"}},
      {"FutureSectionLars", kJob + "[lars]\ntrust = 1e-3\n", {},
       {"job.toml:3:2: unknown key 'lars' at the top level",
        "the job file has the sections [job], [data], [model], [train], [comm]"}},
      {"UnknownScheduleKey", kJob + "[train.lr_schedule]\ngama = 0.5\n", {},
       {"job.toml:4:1: unknown key 'train.lr_schedule.gama' in [train.lr_schedule]; "
        "did you mean 'train.lr_schedule.gamma'?"}},
      {"FirstUnknownInFileOrder", kJob + "[train]\nzzz = 1\n[data]\naaa = 2\n", {},
       {"job.toml:4:1: unknown key 'train.zzz'"}},
      // ---- wrong types ----
      {"BatchSizeString", kJob + "[train]\nbatch_size = \"abc\"\n", {},
       {"job.toml:4:14: train.batch_size must be an integer, got string \"abc\""}},
      {"BatchSizeFloat", kJob + "[train]\nbatch_size = 128.5\n", {},
       {"job.toml:4:14: train.batch_size must be an integer, got float 128.5"}},
      {"LrString", kJob + "[train]\nlr = \"fast\"\n", {},
       {"job.toml:4:6: train.lr must be a number, got string \"fast\""}},
      {"NesterovString", kJob + "[train]\nnesterov = \"yes\"\n", {},
       {"job.toml:4:12: train.nesterov must be true or false, got string \"yes\""}},
      {"DatasetInteger", kJob + "[data]\ndataset = 10\n", {},
       {"job.toml:4:11: data.dataset must be a string, one of fashion-mnist, mnist, cifar10, "
        "synthetic, got integer 10"}},
      {"ScheduleNotTable", kJob + "[train]\nlr_schedule = \"cosine\"\n", {},
       {"job.toml:4:15: train.lr_schedule must be a table ([train.lr_schedule]), got string "
        "\"cosine\""}},
      {"SectionNotTable", "train = 5\n" + kJob, {},
       {"job.toml:1:9: train must be a table ([train]), got integer 5"}},
      {"ShapeString", kJob + "[data]\nsynthetic_shape = \"1x8x8\"\n", {},
       {"job.toml:4:19: data.synthetic_shape must be an array of 3 integers, got string "
        "\"1x8x8\""}},
      // ---- ranges ----
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
      {"BucketZero", kJob + "[comm]\nbucket_mb = 0\n", {},
       {"job.toml:4:13: comm.bucket_mb must be > 0 (got 0)"}},
      {"FirstBucketNegative", kJob + "[comm]\nfirst_bucket_mb = -1\n", {},
       {"comm.first_bucket_mb must be > 0 (got -1)"}},
      {"SeedNegative", "[job]\noutput_dir = \"out\"\nseed = -5\n", {},
       {"job.toml:3:8: job.seed must be >= 0 (got -5)"}},
      {"ShapeTwoElements", kJob + "[data]\nsynthetic_shape = [1, 8]\n", {},
       {"job.toml:4:19: data.synthetic_shape must be an array of 3 integers (got 2 elements)"}},
      {"ShapeZeroElement", kJob + "[data]\nsynthetic_shape = [1, 0, 8]\n", {},
       {"job.toml:4:23: data.synthetic_shape[1] must be >= 1 (got 0)"}},
      {"SyntheticClassesOne", kJob + "[data]\nsynthetic_classes = 1\n", {},
       {"data.synthetic_classes must be >= 2 (got 1)"}},
      {"TrainSubsetNegative", kJob + "[data]\ntrain_subset = -10\n", {},
       {"job.toml:4:16: data.train_subset must be >= 0 (got -10)"}},
      {"WidthNegative", kJob + "[model]\nwidths = [64, -1]\n", {},
       {"job.toml:4:15: model.widths[1] must be >= 1 (got -1)"}},
      // ---- rules between keys ----
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
      {"OutputDirMissing", "[job]\nname = \"x\"\n", {},
       {"job.toml:1:1: job.output_dir is required", "--set job.output_dir="}},
      {"OutputDirMissingNoJobSection", "[train]\nlr = 0.1\n", {},
       {"job.toml: job.output_dir is required"}},
      {"OutputDirEmpty", "[job]\noutput_dir = \"\"\n", {},
       {"job.toml:2:14: job.output_dir must not be empty"}},
      {"JobNameWithSpace", "[job]\nname = \"my run\"\noutput_dir = \"o\"\n", {},
       {"job.toml:2:8: job.name may hold only letters, digits, '-', '_' and '.' (got \"my run\")"}},
      // ---- allowed names, with and without did-you-mean ----
      {"DatasetNearMiss", kJob + "[data]\ndataset = \"fashion_mnist\"\n", {},
       {"job.toml:4:11: data.dataset must be one of fashion-mnist, mnist, cifar10, synthetic "
        "(got \"fashion_mnist\"); did you mean \"fashion-mnist\"?"}},
      {"DatasetFarOff", kJob + "[data]\ndataset = \"imagenet\"\n", {},
       {"data.dataset must be one of fashion-mnist, mnist, cifar10, synthetic (got \"imagenet\")"}},
      {"ModelNearMiss", kJob + "[model]\nname = \"resnet21\"\n", {},
       {"job.toml:4:8: model.name must be one of mlp, lenet5, convnet, resnet20, resnet32, "
        "resnet44, resnet56, resnet110 (got \"resnet21\"); did you mean \"resnet20\"?"}},
      {"OptimizerUnknown", kJob + "[train]\noptimizer = \"adam\"\n", {},
       {"job.toml:4:13: train.optimizer must be one of sgd, kfac, lars (got \"adam\")"}},
      {"OptimizerUpperCase", kJob + "[train]\noptimizer = \"SGD\"\n", {}, {"did you mean \"sgd\"?"}},
      {"ActivationNearMiss", kJob + "[model]\nactivation = \"tanhh\"\n", {},
       {"model.activation must be one of relu, tanh, gelu, sigmoid (got \"tanhh\"); did you mean "
        "\"tanh\"?"}},
      {"ScheduleKindNearMiss", kJob + "[train.lr_schedule]\nkind = \"cosin\"\n", {},
       {"job.toml:4:8: train.lr_schedule.kind must be one of constant, step, cosine (got "
        "\"cosin\"); did you mean \"cosine\"?"}},
      {"JobKindNearMiss", "[job]\nkind = \"trian\"\noutput_dir = \"o\"\n", {},
       {"job.toml:2:8: job.kind must be one of train, hessian (got \"trian\"); did you mean \"train\"?"}},
      {"BackendNearMiss", kJob + "[comm]\nbackend = \"ncl\"\n", {},
       {"job.toml:4:11: comm.backend must be one of auto, mpi, nccl, local (got \"ncl\"); "
        "did you mean \"nccl\"?"}},
      {"BackendFarOff", kJob + "[comm]\nbackend = \"gloo\"\n", {},
       {"comm.backend must be one of auto, mpi, nccl, local (got \"gloo\")"}},
      // ---- --set overrides ----
      {"OverrideMissingEquals", kJob, {"train.lr"},
       {"--set train.lr: missing '='", "--set train.lr=0.05"}},
      {"OverrideMissingKey", kJob, {"=0.1"}, {"--set =0.1: missing key before '='"}},
      {"OverrideEmptyPart", kJob, {"train..lr=0.1"}, {"--set train..lr=0.1: empty part in the key"}},
      {"OverrideUnknownKey", kJob, {"train.lrr=0.1"},
       {"--set train.lrr=0.1: unknown key 'train.lrr' in [train]; did you mean 'train.lr'?"}},
      {"OverrideUnknownSection", kJob, {"trian.lr=0.1"},
       {"--set trian.lr=0.1: unknown key 'trian' at the top level; did you mean 'train'?"}},
      {"OverrideOutOfRange", kJob, {"train.lr=-1"},
       {"--set train.lr=-1: train.lr must be > 0 (got -1)"}},
      {"OverrideWrongType", kJob, {"train.lr=abc"},
       {"--set train.lr=abc: train.lr must be a number, got string \"abc\""}},
      {"OverrideThroughValue", kJob + "[train]\nlr = 0.1\n", {"train.lr.x=1"},
       {"--set train.lr.x=1: 'train.lr' is a value, not a table"}},
      {"OverrideWholeTable", kJob + "[train]\nlr = 0.1\n", {"train=1"},
       {"--set train=1: 'train' is a table; set one of its keys instead"}},
      {"OverrideBadName", kJob, {"data.dataset=cifar"},
       {"--set data.dataset=cifar: data.dataset must be one of", "did you mean \"cifar10\"?"}},
      // ---- large-batch keys ----
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

class BadJobFile : public ::testing::TestWithParam<std::size_t> {};

TEST_P(BadJobFile, MessageNamesLocationKeyAndFix) {
  const BadCase& c = bad_cases()[GetParam()];
  const std::string message = error_message(c);
  for (const auto& want : c.expected) {
    EXPECT_NE(message.find(want), std::string::npos)
        << "case " << c.name << "\n  message:  " << message << "\n  expected: " << want;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, BadJobFile, ::testing::Range<std::size_t>(0, bad_cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::string(bad_cases()[info.param].name);
                         });

TEST(BadJobFile, ThereAreAtLeastThirtyCases) { EXPECT_GE(bad_cases().size(), 30u); }

TEST(LoadJobFile, MissingFileIsAConfigErrorNamingThePath) {
  try {
    load_job_file("/nonexistent/dir/job.toml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read job file '/nonexistent/dir/job.toml'"),
              std::string::npos)
        << e.what();
  }
}

TEST(LoadJobFile, DirectoryIsAConfigError) {
  try {
    load_job_file(CURVLAB_SOURCE_DIR "/examples");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace curvlab
