// The [sweep] section (jobs/sweep/sweep_section.cpp): the target read and written into each run's job
// when the train keys exist; [[sweep.cases]]; every bad sweep key, value, case, distribution, budget
// and target with its file:line and the key to change; the lists of distributions and target metrics.
#include "jobs/sweep/sweep_section.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "jobs/job_parser.h"
#include "jobs/sweep/sweep_fixture.h"

namespace curvlab {
namespace {

using sweep_test::error_of;
using sweep_test::expand;
using sweep_test::kBase;
using sweep_test::values_of;

TEST(SweepSection, TargetParsedAndWrittenIntoRunsWhenTheTrainKeysExist) {
  const std::string text = kBase + R"(
[sweep]
target_metric = "test_accuracy"
target_value = 0.88
stop_at_target = true
[sweep.grid]
"train.lr" = [0.1]
)";
  const JobSpec spec = parse_job_text(text, "sweep.toml");
  EXPECT_EQ(spec.sweep.target_metric, "test_accuracy");
  EXPECT_DOUBLE_EQ(spec.sweep.target_value, 0.88);
  EXPECT_TRUE(spec.sweep.stop_at_target);
  const SweepPlan p = expand_sweep(spec);
  const std::vector<std::string> keys = job_file_keys();
  const bool has_target_keys = std::find(keys.begin(), keys.end(), "train.target_metric") != keys.end();
  EXPECT_EQ(p.runs[0].job_text.find("target_metric = \"test_accuracy\"") != std::string::npos, has_target_keys);
}

struct BadSweep {
  const char* name;
  std::string sweep;                  // appended to kBase
  std::vector<std::string> expected;  // substrings of the message
};

TEST(SweepSection, ErrorsAtTheKeyToChange) {
  const std::vector<BadSweep> cases = {
      {"unknown key with hint", "[sweep.grid]\n\"train.lrr\" = [0.1]\n",
       {"sweep.toml:14:", "'train.lrr' is not a job-file key", "did you mean 'train.lr'"}},
      {"unknown random key", "[sweep.random]\nsamples = 2\n\"kfac.dampin\" = { uniform = [0, 1] }\n",
       {"sweep.toml:15:", "did you mean 'kfac.damping'"}},
      {"not an array", "[sweep.grid]\n\"train.lr\" = 0.1\n", {"must be a non-empty array", "\"train.lr\" = [a, b, c]"}},
      {"empty array", "[sweep.grid]\n\"train.lr\" = []\n", {"must be a non-empty array"}},
      {"duplicate value", "[sweep.grid]\n\"train.lr\" = [0.1, 0.1]\n", {"lists 0.1 twice"}},
      {"output_dir", "[sweep.grid]\n\"job.output_dir\" = [\"a\"]\n", {"cannot vary 'job.output_dir'"}},
      {"cluster", "[sweep.grid]\n\"cluster.time\" = [\"01:00:00\"]\n", {"cannot vary 'cluster.time'"}},
      {"section", "[sweep.grid]\n\"train\" = [1]\n", {"is a whole section"}},
      {"unknown sweep key", "[sweep]\nbudget_step = 10\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
       {"unknown key 'sweep.budget_step'", "did you mean 'sweep.budget_steps'"}},
      {"no keys", "[sweep]\nbudget_steps = 10\n", {"[sweep] has no keys to vary"}},
      {"samples without keys", "[sweep.random]\nsamples = 3\n", {"needs at least one key to draw"}},
      {"keys without samples", "[sweep.random]\n\"train.lr\" = { uniform = [0.1, 0.2] }\n", {"samples = 0"}},
      {"bad distribution", "[sweep.random]\nsamples = 2\n\"train.lr\" = { normal = [0, 1] }\n",
       {"must be a table with one distribution"}},
      {"log_uniform at 0", "[sweep.random]\nsamples = 2\n\"train.lr\" = { log_uniform = [0, 1] }\n", {"needs lo > 0"}},
      {"lo >= hi", "[sweep.random]\nsamples = 2\n\"train.lr\" = { uniform = [1, 0.5] }\n", {"needs lo < hi"}},
      {"grid and random", "[sweep.grid]\n\"train.lr\" = [0.1]\n[sweep.random]\nsamples = 1\n\"train.lr\" = { uniform = [0.1, 0.2] }\n",
       {"both in [sweep.grid] and in [sweep.random]"}},
      {"cases not tables", "[sweep]\ncases = [1, 2]\n", {"sweep.cases must be an array of tables", "[[sweep.cases]]"}},
      {"empty case", "[[sweep.cases]]\n", {"a [[sweep.cases]] table needs at least one key"}},
      {"case key unknown", "[[sweep.cases]]\n\"train.lrr\" = [0.1]\n",
       {"sweep.toml:14:", "[sweep.cases] key 'train.lrr' is not a job-file key", "did you mean 'train.lr'"}},
      {"case value not an array", "[[sweep.cases]]\n\"train.lr\" = 0.1\n", {"[sweep.cases] \"train.lr\" must be a non-empty array"}},
      {"grid and case", "[sweep.grid]\n\"train.lr\" = [0.1]\n[[sweep.cases]]\n\"train.lr\" = [0.2]\n",
       {"sweep.toml:16:", "'train.lr' is both in [sweep.grid] and in a [[sweep.cases]] table"}},
      {"case and random", "[[sweep.cases]]\n\"train.lr\" = [0.2]\n[sweep.random]\nsamples = 1\n\"train.lr\" = { uniform = [0.1, 0.2] }\n",
       {"both in a [[sweep.cases]] table and in [sweep.random]"}},
      {"budget and steps in a case", "[sweep]\nbudget_steps = 5\n[[sweep.cases]]\n\"train.steps\" = [10]\n",
       {"varies train.steps and also sets a budget"}},
      {"bad value in a case", "[[sweep.cases]]\n\"train.lr\" = [-0.5]\n",
       {"sweep.toml:14:", "the sweep run with train.lr = -0.5 is not a valid job", "train.lr must be > 0"}},
      {"two budgets", "[sweep]\nbudget_steps = 5\nbudget_epochs = 1\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
       {"only one of sweep.budget_steps and sweep.budget_epochs"}},
      {"linear without reference", "[sweep]\nbudget_steps = 5\nbudget_scaling = \"linear\"\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
       {"needs sweep.budget_reference_batch"}},
      {"linear with epochs", "[sweep]\nbudget_epochs = 5\nbudget_scaling = \"linear\"\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
       {"scales a steps budget"}},
      {"budget and swept steps", "[sweep]\nbudget_steps = 5\n[sweep.grid]\n\"train.steps\" = [10]\n",
       {"varies train.steps and also sets a budget"}},
      {"metric without value", "[sweep]\ntarget_metric = \"test_loss\"\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
       {"needs sweep.target_value"}},
      {"accuracy target out of range", "[sweep]\ntarget_metric = \"test_accuracy\"\ntarget_value = 88\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
       {"must be in [0, 1]"}},
      {"bad metric", "[sweep]\ntarget_metric = \"test_acuracy\"\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
       {"sweep.target_metric must be one of", "did you mean \"test_accuracy\""}},
  };
  for (const BadSweep& c : cases) {
    const std::string message = error_of(kBase + c.sweep);
    for (const std::string& e : c.expected) {
      EXPECT_NE(message.find(e), std::string::npos) << c.name << ": expected '" << e << "' in: " << message;
    }
  }
}

TEST(SweepSection, DistributionsAndTargetMetrics) {
  EXPECT_EQ(sweep_distributions(), (std::vector<std::string>{"uniform", "log_uniform", "choice"}));
  EXPECT_EQ(sweep_target_metrics(), (std::vector<std::string>{"test_accuracy", "test_loss", "train_loss"}));
  // Without [sweep] the section is absent; with one, its keys are read.
  EXPECT_FALSE(parse_job_text(kBase, "plain.toml").sweep.present);
  const JobSpec s = parse_job_text(kBase + "[sweep]\nbudget_epochs = 2\n[sweep.grid]\ntrain.lr = [0.1, 0.2]\n", "s.toml");
  EXPECT_TRUE(s.sweep.present);
  EXPECT_EQ(s.sweep.budget_epochs, 2);
  ASSERT_EQ(s.sweep.grid.size(), 1u);
  EXPECT_EQ(s.sweep.grid[0].key, "train.lr");
  EXPECT_EQ(s.sweep.grid[0].values, (std::vector<std::string>{"0.1", "0.2"}));
  EXPECT_TRUE(s.sweep.cases.empty());
  // [[sweep.cases]]: one grid per table, keys sorted; a sweep of cases alone needs no [sweep.grid].
  const JobSpec c = parse_job_text(kBase + "[[sweep.cases]]\n\"train.optimizer\" = [\"sgd\"]\n\"train.lr\" = [0.1]\n"
                                           "[[sweep.cases]]\n\"train.optimizer\" = [\"kfac\"]\n", "c.toml");
  ASSERT_EQ(c.sweep.cases.size(), 2u);
  ASSERT_EQ(c.sweep.cases[0].size(), 2u);
  EXPECT_EQ(c.sweep.cases[0][0].key, "train.lr");
  EXPECT_EQ(c.sweep.cases[0][1].key, "train.optimizer");
  EXPECT_EQ(c.sweep.cases[1][0].values, (std::vector<std::string>{"\"kfac\""}));
  EXPECT_EQ(c.where("sweep.cases").str(), "c.toml:13:1");
}

}  // namespace
}  // namespace curvlab
