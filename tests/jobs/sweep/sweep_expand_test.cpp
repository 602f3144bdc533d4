// Expansion of a sweep (jobs/sweep/sweep_expand.cpp): grid, cases (a union of grids, each crossed
// with the grid) and seeded random draws (counts, values, determinism), stable run ids (same settings -> same id whatever the key order or spelling; a
// changed setting -> a new id; FNV-1a against the published vectors), budgets scaled per batch size,
// a swept value its key rejects (named with the sweep key), whole sub-tables, the sweep directory
// layout, and the shipped example.
#include "jobs/sweep/sweep_expand.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "base/seeding.h"
#include "base/error.h"
#include "jobs/job_parser.h"
#include "jobs/sweep/sweep_fixture.h"
#include "jobs/sweep/sweep_status.h"

namespace curvlab {
namespace {

using sweep_test::error_of;
using sweep_test::expand;
using sweep_test::kBase;
using sweep_test::values_of;

TEST(SweepExpand, GridIsTheCartesianProductLastKeyFastest) {
  const SweepPlan plan = expand(kBase + R"(
[sweep.grid]
"train.optimizer" = ["sgd", "kfac"]
"train.batch_size" = [128, 512, 2048]
"train.lr" = [0.05, 0.1]
)");
  ASSERT_EQ(plan.runs.size(), 12u);
  EXPECT_EQ(plan.grid_points, 12u);
  EXPECT_EQ(plan.keys, (std::vector<std::string>{"train.batch_size", "train.lr", "train.optimizer"}));
  std::set<std::string> combos, ids;
  for (const SweepRun& r : plan.runs) {
    combos.insert(describe_values(r));
    ids.insert(r.id);
    EXPECT_EQ(r.id.size(), 12u);
    const JobSpec spec = parse_job_text(r.job_text, r.job_file);  // each run is an ordinary job
    EXPECT_EQ(spec.train.batch_size, r.batch_size);
    EXPECT_EQ(std::to_string(spec.train.batch_size), values_of(r)["train.batch_size"]);
    EXPECT_EQ("\"" + optimizer_names().name(spec.train.optimizer) + "\"", values_of(r)["train.optimizer"]);
    EXPECT_EQ(spec.job.output_dir, "sweeps/s/runs/" + r.id);
    EXPECT_EQ(spec.job.name, "s-" + r.id);
    EXPECT_FALSE(spec.sweep.present);
    EXPECT_EQ(spec.job.seed, 1u);  // base settings are kept
  }
  EXPECT_EQ(combos.size(), 12u);
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_EQ(describe_values(plan.runs[0]), "train.batch_size = 128, train.lr = 0.05, train.optimizer = \"sgd\"");
  EXPECT_EQ(describe_values(plan.runs[1]), "train.batch_size = 128, train.lr = 0.05, train.optimizer = \"kfac\"");
  EXPECT_EQ(describe_values(plan.runs[11]), "train.batch_size = 2048, train.lr = 0.1, train.optimizer = \"kfac\"");
}

TEST(SweepExpand, UnquotedDottedGridKeysMeanTheSame) {
  const SweepPlan a = expand(kBase + "[sweep.grid]\n\"train.lr\" = [0.05, 0.1]\n\"kfac.damping\" = [0.001]\n");
  const SweepPlan b = expand(kBase + "[sweep.grid]\ntrain.lr = [0.05, 0.1]\nkfac.damping = [1e-3]\n");
  ASSERT_EQ(a.runs.size(), 2u);
  ASSERT_EQ(b.runs.size(), 2u);
  EXPECT_EQ(a.runs[0].id, b.runs[0].id);
  EXPECT_EQ(a.runs[1].id, b.runs[1].id);
  EXPECT_DOUBLE_EQ(parse_job_text(b.runs[1].job_text, "x").kfac.damping, 1e-3);
}

TEST(SweepExpand, RandomDrawsAreSeededInRangeAndCombinedWithEachGridPoint) {
  const std::string text = kBase + R"(
[sweep.grid]
"train.batch_size" = [128, 256]
[sweep.random]
samples = 5
seed = 7
"train.lr" = { log_uniform = [1e-3, 1.0] }
"train.momentum" = { uniform = [0.5, 0.99] }
"train.optimizer" = { choice = ["sgd", "kfac"] }
)";
  const SweepPlan a = expand(text), b = expand(text);
  ASSERT_EQ(a.runs.size(), 10u);
  EXPECT_EQ(a.keys, (std::vector<std::string>{"train.batch_size", "train.lr", "train.momentum", "train.optimizer"}));
  std::set<std::string> lrs;
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    EXPECT_EQ(a.runs[i].id, b.runs[i].id);  // deterministic
    const JobSpec s = parse_job_text(a.runs[i].job_text, "x");
    EXPECT_GE(s.train.lr, 1e-3);
    EXPECT_LE(s.train.lr, 1.0);
    EXPECT_GE(s.train.momentum, 0.5);
    EXPECT_LE(s.train.momentum, 0.99);
    EXPECT_TRUE(s.train.optimizer == OptimizerKind::kSgd || s.train.optimizer == OptimizerKind::kKfac);
    lrs.insert(values_of(a.runs[i])["train.lr"]);
    // The same 5 draws at each grid point: run i and run i + 5 differ only in the batch size.
    if (i < 5) {
      auto v = values_of(a.runs[i]), w = values_of(a.runs[i + 5]);
      EXPECT_EQ(v["train.lr"], w["train.lr"]);
      EXPECT_EQ(v["train.momentum"], w["train.momentum"]);
      EXPECT_NE(v["train.batch_size"], w["train.batch_size"]);
    }
  }
  EXPECT_EQ(lrs.size(), 5u);  // 5 different draws (continuous distribution)
  // Another seed, other draws.
  std::string other = text;
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  EXPECT_NE(values_of(expand(other).runs[0])["train.lr"], values_of(a.runs[0])["train.lr"]);
}

TEST(SweepExpand, RandomDrawsFollowTheDistributions) {
  // 400 draws: log_uniform's log is uniform (mean of log10 in [-3, 0] is -1.5 +- 0.06 at 3 sigma).
  const SweepPlan p = expand(kBase + "[sweep.random]\nsamples = 400\nseed = 1\n"
                                     "\"train.lr\" = { log_uniform = [1e-3, 1.0] }\n");
  double mean_log = 0;
  for (const SweepRun& r : p.runs) mean_log += std::log10(std::strtod(values_of(r)["train.lr"].c_str(), nullptr));
  mean_log /= static_cast<double>(p.runs.size());
  EXPECT_EQ(p.runs.size() + p.duplicates, 400u);
  EXPECT_NEAR(mean_log, -1.5, 0.08);
}

TEST(SweepIds, SameSettingsSameIdWhateverTheKeyOrderOrSpelling) {
  const std::string a = kBase + "[sweep.grid]\n\"train.lr\" = [0.05]\n";
  const std::string b = R"(
[sweep.grid]
"train.lr" = [5e-2]
[train]
lr = 0.1
batch_size = 128
[model]
name = "mlp"
[data]
dataset = "synthetic"
[job]
seed = 1
output_dir = "elsewhere"
name = "other-name"
[cluster]
time = "02:00:00"
)";
  const SweepPlan pa = expand(a), pb = expand(b);
  ASSERT_EQ(pa.runs.size(), 1u);
  ASSERT_EQ(pb.runs.size(), 1u);
  EXPECT_EQ(pa.runs[0].id, pb.runs[0].id) << pa.runs[0].job_text << "\n---\n" << pb.runs[0].job_text;
  EXPECT_EQ(sweep_run_id(pa.runs[0].job_text), pa.runs[0].id);
  EXPECT_EQ(sweep_run_id(pb.runs[0].job_text), pa.runs[0].id);
}

TEST(SweepIds, AChangedSettingChangesTheId) {
  const std::string grid = "[sweep.grid]\n\"train.lr\" = [0.05, 0.1]\n";
  const SweepPlan base = expand(kBase + grid);
  std::string changed = kBase;
  changed.replace(changed.find("seed = 1"), 8, "seed = 2");
  const SweepPlan other = expand(changed + grid);
  ASSERT_EQ(other.runs.size(), 2u);
  EXPECT_NE(base.runs[0].id, other.runs[0].id);
  EXPECT_NE(base.runs[1].id, other.runs[1].id);
  // --set overrides are settings too.
  const SweepPlan set = expand(kBase + grid, {"train.momentum=0.5"});
  EXPECT_NE(base.runs[0].id, set.runs[0].id);
  EXPECT_DOUBLE_EQ(parse_job_text(set.runs[0].job_text, "x").train.momentum, 0.5);
  // An unchanged run keeps its id when another grid value is added.
  const SweepPlan more = expand(kBase + "[sweep.grid]\n\"train.lr\" = [0.05, 0.1, 0.2]\n");
  EXPECT_EQ(more.runs[0].id, base.runs[0].id);
  EXPECT_EQ(more.runs[1].id, base.runs[1].id);
}

TEST(SweepIds, FnvMatchesTheReferenceValues) {
  // Published FNV-1a 64 test vectors.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(SweepBudget, LinearScalingGivesEveryBatchTheSameSamples) {
  const SweepPlan p = expand(kBase + R"(
[sweep]
budget_steps = 1000
budget_scaling = "linear"
budget_reference_batch = 128
[sweep.grid]
"train.batch_size" = [128, 512, 4096, 300]
)");
  ASSERT_EQ(p.runs.size(), 4u);
  EXPECT_EQ(p.runs[0].steps, 1000);
  EXPECT_EQ(p.runs[1].steps, 250);
  EXPECT_EQ(p.runs[2].steps, 32);   // 31.25 -> 32: at least the reference's samples
  EXPECT_EQ(p.runs[3].steps, 427);  // 426.67 -> 427
  const SweepPlan e = expand(kBase + "[sweep]\nbudget_epochs = 3\n[sweep.grid]\n\"train.lr\" = [0.1]\n",
                             {"train.steps=50"});
  EXPECT_EQ(e.runs[0].steps, 0);
  EXPECT_EQ(e.runs[0].epochs, 3);
  const SweepPlan none = expand(kBase + "[sweep]\nbudget_steps = 70\n[sweep.grid]\n\"train.batch_size\" = [64, 128]\n");
  EXPECT_EQ(none.runs[0].steps, 70);
  EXPECT_EQ(none.runs[1].steps, 70);
}

struct BadSweep {
  const char* name;
  std::string sweep;                  // appended to kBase
  std::vector<std::string> expected;  // substrings of the message
};

TEST(SweepExpand, BadValuesNameTheSweptKeyAndTheKeysOwnMessage) {
  const std::vector<BadSweep> cases = {
      {"bad value names key and value", "[sweep.grid]\n\"train.batch_size\" = [64]\n\"train.lr\" = [0.1, -0.5]\n",
       {"sweep.toml:15:", "train.lr = -0.5", "train.lr must be > 0"}},
      {"bad choice value", "[sweep.grid]\n\"train.optimizer\" = [\"sgd\", \"kfca\"]\n",
       {"sweep.toml:14:", "train.optimizer = \"kfca\"", "did you mean \"kfac\""}},
      {"wrong type", "[sweep.grid]\n\"train.batch_size\" = [128.5]\n", {"train.batch_size must be an integer"}},
  };
  for (const BadSweep& c : cases) {
    const std::string message = error_of(kBase + c.sweep);
    for (const std::string& e : c.expected) {
      EXPECT_NE(message.find(e), std::string::npos) << c.name << ": expected '" << e << "' in: " << message;
    }
  }
}

TEST(SweepLayout, WritesTableJobsAndReportsStaleRuns) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "curvlab_sweep_layout_test";
  std::filesystem::remove_all(dir);
  const std::string text = "[job]\nname = \"l\"\noutput_dir = \"" + dir.string() +
                           "\"\n[data]\ndataset = \"synthetic\"\n[sweep.grid]\n\"train.lr\" = [0.05, 0.1]\n"
                           "\"train.optimizer\" = [\"sgd\"]\n";
  const JobSpec spec = parse_job_text(text, "sweep.toml");
  const SweepPlan plan = expand_sweep(spec);
  EXPECT_TRUE(write_sweep_layout(plan, spec).empty());
  std::ifstream tsv(dir / "sweep.tsv");
  std::stringstream body;
  body << tsv.rdbuf();
  const std::string expected = "id\trun_dir\tjob_file\ttrain.lr\ttrain.optimizer\n" + plan.runs[0].id + "\truns/" +
                               plan.runs[0].id + "\tjobs/" + plan.runs[0].id + ".toml\t0.05\t\"sgd\"\n" +
                               plan.runs[1].id + "\truns/" + plan.runs[1].id + "\tjobs/" + plan.runs[1].id +
                               ".toml\t0.1\t\"sgd\"\n";
  EXPECT_EQ(body.str(), expected);
  const JobSpec job = load_job_file(plan.runs[1].job_file);
  EXPECT_DOUBLE_EQ(job.train.lr, 0.1);
  EXPECT_TRUE(std::filesystem::exists(dir / "sweep.toml"));
  // Status before any run: every run "not started", values from sweep.tsv.
  const SweepStatus st = collect_sweep_states(dir.string(), nullptr);
  ASSERT_EQ(st.runs.size(), 2u);
  EXPECT_EQ(st.runs[0].run.state, "not started");
  EXPECT_EQ(st.runs[1].values, (std::vector<std::string>{"0.1", "\"sgd\""}));
  // A run directory from an earlier version of the file is reported, not deleted.
  std::filesystem::create_directories(dir / "runs" / "0123456789ab");
  EXPECT_EQ(write_sweep_layout(plan, spec), (std::vector<std::string>{(dir / "runs" / "0123456789ab").string()}));
  EXPECT_TRUE(std::filesystem::exists(dir / "runs" / "0123456789ab"));
  std::filesystem::remove_all(dir);
}

TEST(SweepExpand, AWholeSubTableCanBeSwept) {
  const SweepPlan p = expand(kBase + "[sweep.grid]\n\"train.lr_schedule\" = [{ kind = \"cosine\", min_lr = 0.01 }, "
                                     "{ kind = \"constant\" }]\n");
  ASSERT_EQ(p.runs.size(), 2u);
  EXPECT_EQ(values_of(p.runs[0])["train.lr_schedule"], "{ kind = \"cosine\", min_lr = 0.01 }");
  const JobSpec a = parse_job_text(p.runs[0].job_text, "a"), b = parse_job_text(p.runs[1].job_text, "b");
  EXPECT_EQ(lr_schedule_names().name(a.train.lr_schedule.kind), "cosine");
  EXPECT_DOUBLE_EQ(a.train.lr_schedule.min_lr, 0.01);
  EXPECT_EQ(lr_schedule_names().name(b.train.lr_schedule.kind), "constant");
  EXPECT_DOUBLE_EQ(b.train.lr_schedule.min_lr, 0.0);  // the whole table is replaced
}

TEST(SweepExpand, CasesAreAUnionOfGridsEachCrossedWithTheGrid) {
  // SGD sweeps the learning rate, K-FAC the damping; both over the same batch sizes and seeds.
  const SweepPlan plan = expand(kBase + R"(
[sweep.grid]
"train.batch_size" = [128, 512]
"job.seed" = [0, 1]

[[sweep.cases]]
"train.optimizer" = ["sgd"]
"train.lr" = [0.05, 0.1, 0.2]

[[sweep.cases]]
"train.optimizer" = ["kfac"]
"kfac.damping" = [0.01, 0.1]
)");
  ASSERT_EQ(plan.runs.size(), 2u * 2 * 3 + 2u * 2 * 2);  // not the 2 x 2 x 3 x 2 x 2 of one grid
  EXPECT_EQ(plan.grid_points, plan.runs.size());
  EXPECT_EQ(plan.keys, (std::vector<std::string>{"job.seed", "kfac.damping", "train.batch_size", "train.lr",
                                                 "train.optimizer"}));
  // Case by case; within a case the grid's and the case's keys sorted, the last fastest.
  EXPECT_EQ(describe_values(plan.runs[0]), "job.seed = 0, train.batch_size = 128, train.lr = 0.05, train.optimizer = \"sgd\"");
  EXPECT_EQ(describe_values(plan.runs[1]), "job.seed = 0, train.batch_size = 128, train.lr = 0.1, train.optimizer = \"sgd\"");
  EXPECT_EQ(describe_values(plan.runs[12]),
            "job.seed = 0, kfac.damping = 0.01, train.batch_size = 128, train.optimizer = \"kfac\"");
  EXPECT_EQ(describe_values(plan.runs[13]),
            "job.seed = 0, kfac.damping = 0.01, train.batch_size = 512, train.optimizer = \"kfac\"");
  for (const SweepRun& r : plan.runs) {
    const JobSpec spec = parse_job_text(r.job_text, r.job_file);
    const bool kfac = values_of(r)["train.optimizer"] == "\"kfac\"";
    EXPECT_EQ(optimizer_names().name(spec.train.optimizer), kfac ? "kfac" : "sgd");
    EXPECT_EQ(values_of(r).count("train.lr"), kfac ? 0u : 1u) << describe_values(r);
    EXPECT_EQ(values_of(r).count("kfac.damping"), kfac ? 1u : 0u) << describe_values(r);
    if (kfac) EXPECT_DOUBLE_EQ(spec.train.lr, 0.1);  // the base file's value
    // sweep.tsv's row: "" for a key this run's case does not set.
    const std::vector<std::string> row = plan_row(plan, r, "");
    ASSERT_EQ(row.size(), plan.keys.size());
    EXPECT_EQ(row[1].empty(), !kfac);
    EXPECT_EQ(row[3].empty(), kfac);
  }
  // The grid and a case that is the same grid give the same runs and ids.
  const SweepPlan one = expand(kBase + "[sweep.grid]\n\"train.lr\" = [0.05, 0.1]\n\"job.seed\" = [0, 1]\n");
  const SweepPlan cased = expand(kBase + "[sweep.grid]\n\"job.seed\" = [0, 1]\n[[sweep.cases]]\n\"train.lr\" = [0.05, 0.1]\n");
  ASSERT_EQ(one.runs.size(), cased.runs.size());
  for (std::size_t i = 0; i < one.runs.size(); ++i) EXPECT_EQ(one.runs[i].id, cased.runs[i].id);
  // Cases that overlap give each run once.
  const SweepPlan overlap = expand(kBase + "[[sweep.cases]]\n\"train.lr\" = [0.05, 0.1]\n"
                                           "[[sweep.cases]]\n\"train.lr\" = [0.1, 0.2]\n");
  EXPECT_EQ(overlap.runs.size(), 3u);
  EXPECT_EQ(overlap.duplicates, 1u);
}

TEST(SweepLayout, CaseKeysARunDoesNotSetAreEmptyCells) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "curvlab_sweep_layout_cases_test";
  std::filesystem::remove_all(dir);
  const std::string text = "[job]\nname = \"l\"\noutput_dir = \"" + dir.string() +
                           "\"\n[data]\ndataset = \"synthetic\"\n[[sweep.cases]]\n\"train.lr\" = [0.05]\n"
                           "\"train.optimizer\" = [\"sgd\"]\n[[sweep.cases]]\n\"kfac.damping\" = [0.01]\n"
                           "\"train.optimizer\" = [\"kfac\"]\n";
  const JobSpec spec = parse_job_text(text, "sweep.toml");
  const SweepPlan plan = expand_sweep(spec);
  ASSERT_EQ(plan.runs.size(), 2u);
  write_sweep_layout(plan, spec);
  std::ifstream tsv(dir / "sweep.tsv");
  std::stringstream body;
  body << tsv.rdbuf();
  const std::string& a = plan.runs[0].id;
  const std::string& b = plan.runs[1].id;
  EXPECT_EQ(body.str(), "id\trun_dir\tjob_file\tkfac.damping\ttrain.lr\ttrain.optimizer\n" + a + "\truns/" + a +
                            "\tjobs/" + a + ".toml\t\t0.05\t\"sgd\"\n" + b + "\truns/" + b + "\tjobs/" + b +
                            ".toml\t0.01\t\t\"kfac\"\n");
  std::filesystem::remove_all(dir);
}

TEST(SweepExample, ShippedExampleExpands) {
  const JobSpec spec = load_job_file(CURVLAB_SOURCE_DIR "/examples/sweep_small.toml");
  const SweepPlan plan = expand_sweep(spec);
  EXPECT_GE(plan.runs.size(), 4u);
}

}  // namespace
}  // namespace curvlab
