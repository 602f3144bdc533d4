// Reading a sweep directory (jobs/report/sweep_reader.cpp): the fixture sweep of fixture_sweep.h
// read and analysed gives its known table (each run's state, the best setting and steps per optimizer
// and batch size, the perfect-scaling line, the critical batch, the B_crit fit against the 2x2 normal
// equations solved here, sensitivity and noise scale; tolerance 1e-9: exact by construction); the
// target from the job files, a command-line target winning, disagreeing job files refused; run
// states from the status line and non-finite metrics; what counts as a run directory; how each key
// was swept (sweep.toml), and the empty sweep.tsv cells of keys a run's case does not set.
#include "jobs/report/sweep_reader.h"

#include <gtest/gtest.h>

#include "algorithms/scaling/study.h"
#include "algorithms/scaling/target.h"
#include "base/error.h"
#include "jobs/report/fixture_sweep.h"

namespace curvlab {
namespace {

using namespace report_test;

TEST(SweepReader, RunStates) {
  EXPECT_EQ(classify_run_state("done", true, false), "done");
  EXPECT_EQ(classify_run_state("done", true, true), "diverged");
  EXPECT_EQ(classify_run_state("failed: training loss became NaN at step 3 ...", true, false), "diverged");
  EXPECT_EQ(classify_run_state("failed: parameter 'fc1.weight' is not finite at step 9", true, false), "diverged");
  EXPECT_EQ(classify_run_state("failed: diverged: training loss became NaN", true, false), "diverged");  // sweep runner
  EXPECT_EQ(classify_run_state("failed: cannot read data", false, false), "failed");
  EXPECT_EQ(classify_run_state("stopped: SIGUSR1 at step 7", true, false), "stopped");
  EXPECT_EQ(classify_run_state("requeued: SIGUSR1 at step 7", true, false), "stopped");
  EXPECT_EQ(classify_run_state("running", true, false), "running");
  EXPECT_EQ(classify_run_state("", true, false), "running");
  EXPECT_EQ(classify_run_state("", false, false), "pending");
}

TEST(SweepReader, FixtureSweepGivesTheKnownTable) {
  const fs::path dir = write_fixture("study", fixture_runs());
  const SweepData sweep = read_sweep(dir.string(), parse_target("test_accuracy=0.8"));
  ASSERT_EQ(sweep.problems.size(), 1u);  // the run without a job file
  EXPECT_NE(sweep.problems[0].find("sgd-128-0.1-s3"), std::string::npos);
  EXPECT_EQ(sweep.hyperparameters, std::vector<std::string>{"train.lr"});
  ASSERT_EQ(sweep.runs.size(), 32u);
  const StudyResult study = analyse_study(sweep.runs, sweep.target);
  ASSERT_EQ(study.groups.size(), 8u);

  std::map<std::string, std::string> state;
  for (const RunOutcome& r : study.runs) state[r.id] = r.state;
  EXPECT_EQ(state["kfac-1024-0.1-s2"], "diverged");
  EXPECT_EQ(state["sgd-1024-0.2-s2"], "pending");
  EXPECT_EQ(state["sgd-256-0.2-s2"], "running");
  EXPECT_EQ(state["kfac-512-0.1-s2"], "running");
  EXPECT_EQ(state["sgd-128-0.1-s1"], "done");

  for (const GroupResult& g : study.groups) {
    SCOPED_TRACE(g.optimizer + " " + std::to_string(g.batch_size));
    const bool sgd = g.optimizer == "sgd";
    const double expected = (sgd ? kSgdSteps : kKfacSteps).at(static_cast<int>(g.batch_size));
    const SettingResult* best = g.best_setting();
    ASSERT_NE(best, nullptr);
    EXPECT_EQ(best->setting, sgd ? "train.lr=0.1" : "train.lr=0.2");
    EXPECT_NEAR(best->steps, expected, kTol);
    EXPECT_NEAR(best->epochs, expected * g.batch_size / kTrainSize, kTol);
    EXPECT_NEAR(best->wall_time, wall_at(expected, static_cast<int>(g.batch_size)), kTol);
    EXPECT_EQ(best->fastest_run, g.optimizer + "-" + std::to_string(g.batch_size) + "-" + best->setting.substr(9) + "-s1");
    const double anchor = sgd ? 800 : 500;
    EXPECT_NEAR(g.perfect_scaling_steps, anchor * 128 / g.batch_size, kTol);
    EXPECT_NEAR(g.speedup, anchor / expected, kTol);
    EXPECT_NEAR(g.perfect_speedup, g.batch_size / 128.0, kTol);
    EXPECT_NEAR(g.scaling_efficiency, anchor * 128 / g.batch_size / expected, kTol);
    EXPECT_EQ(g.runs, 4);
    // Sensitivity: sgd 1024 lr 0.2 never reaches; kfac 1024 lr 0.1 has 1 of 2 seeds (diverged).
    const bool half = g.batch_size == 1024;
    EXPECT_EQ(g.settings_counted, 2);
    EXPECT_EQ(g.settings_reached, half ? 1 : 2);
    EXPECT_NEAR(g.reached_fraction, half ? 0.5 : 1.0, kTol);
    EXPECT_EQ(g.runs_missing, (sgd && g.batch_size == 1024) || (!sgd && g.batch_size == 512) ? 1 : 0);
    if (sgd) {
      // Medians of B + 1000 and B + 1020 over the runs with noise scale (the pending run has none).
      EXPECT_NEAR(g.noise_scale, g.batch_size == 1024 ? 2024 : g.batch_size + 1010, kTol);
    } else {
      EXPECT_TRUE(std::isnan(g.noise_scale));  // no noise_scale column
    }
  }
  // kfac 512 lr 0.1: seed 2 still running below the target -> 1 counted seed, reached at 300.
  for (const GroupResult& g : study.groups) {
    if (g.optimizer != "kfac" || g.batch_size != 512) continue;
    const SettingResult& lr01 = g.settings[0];
    EXPECT_EQ(lr01.setting, "train.lr=0.1");
    EXPECT_EQ(lr01.seeds_counted, 1);
    EXPECT_TRUE(lr01.reached);
    EXPECT_NEAR(lr01.steps, 300, kTol);
  }

  ASSERT_EQ(study.optimizers.size(), 2u);
  for (const OptimizerSummary& o : study.optimizers) {
    SCOPED_TRACE(o.optimizer);
    const bool sgd = o.optimizer == "sgd";
    EXPECT_EQ(o.anchor_batch, 128);
    EXPECT_EQ(o.largest_reached_batch, 1024);
    EXPECT_EQ(o.largest_batch, 1024);
    // sgd: 260 > 2 x 100 at 1024; kfac: 150 > 2 x 62.5 at 1024.
    EXPECT_EQ(o.measured_critical_batch, 512);
    const auto [a, slope] = normal_equations(sgd ? kSgdSteps : kKfacSteps);
    ASSERT_TRUE(o.fit.ok) << o.fit.note;
    EXPECT_NEAR(o.fit.s_min, a, 1e-9 * std::abs(a)) << "max diff " << std::abs(o.fit.s_min - a);
    EXPECT_NEAR(o.fit.b_crit, slope / a, 1e-9 * std::abs(slope / a));
    if (!sgd) {
      EXPECT_NEAR(o.fit.s_min, 100, 1e-9);
      EXPECT_NEAR(o.fit.b_crit, 512, 1e-9);
    }
    // Median of the groups' medians 1138, 1266, 1522, 2024.
    if (sgd) EXPECT_NEAR(o.noise_scale, (1266 + 1522) / 2.0, 1e-9);
    if (!sgd) EXPECT_TRUE(std::isnan(o.noise_scale));
  }
  fs::remove_all(dir);
}

TEST(SweepReader, TargetFromTheJobFilesAndDisagreement) {
  std::vector<FixtureRun> runs = fixture_runs();
  for (FixtureRun& r : runs) r.target_toml = "target_metric = \"test_accuracy\"\ntarget_value = 0.8\n";
  const fs::path dir = write_fixture("jobtarget", runs);
  const SweepData sweep = read_sweep(dir.string(), {});
  EXPECT_EQ(sweep.target.metric, "test_accuracy");
  EXPECT_EQ(sweep.target.value, 0.8);
  EXPECT_EQ(sweep.target_source.rfind("jobs/", 0), 0u) << sweep.target_source;
  const StudyResult study = analyse_study(sweep.runs, sweep.target);
  ASSERT_EQ(study.groups.size(), 8u);
  EXPECT_NEAR(study.groups[0].best_setting()->steps, 500, kTol);  // kfac 128, as with --target
  // A loss target given on the command line wins: every run reaches test_loss <= 0.95 at its first eval.
  const SweepData by_loss = read_sweep(dir.string(), parse_target("test_loss=0.95"));
  const StudyResult loss_study = analyse_study(by_loss.runs, by_loss.target);
  EXPECT_EQ(by_loss.target_source, "--target");
  EXPECT_NEAR(loss_study.groups[0].best_setting()->steps, 10, kTol);
  fs::remove_all(dir);

  runs.back().missing_job = false;
  runs.back().target_toml = "target_metric = \"test_accuracy\"\ntarget_value = 0.9\n";
  const fs::path mixed = write_fixture("mixedtarget", runs);
  try {
    read_sweep(mixed.string(), {});
    ADD_FAILURE() << "different targets must be an error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("different targets"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--target"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(read_sweep(mixed.string(), parse_target("test_accuracy=0.8")));
  fs::remove_all(mixed);
}

TEST(SweepReader, SweptAxesFromTheSweepFile) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_sweep_reader_axes_" + std::to_string(getpid()));
  fs::remove_all(dir);
  write(dir / "sweep.toml", "[job]\noutput_dir = \"" + dir.string() + "\"\n[data]\ndataset = \"synthetic\"\n"
                            "[sweep.grid]\n\"train.lr\" = [0.1, 0.2]\n[[sweep.cases]]\n\"kfac.damping\" = [0.01]\n"
                            "[sweep.random]\nsamples = 2\n\"train.momentum\" = { uniform = [0.8, 0.99] }\n"
                            "\"train.weight_decay\" = { log_uniform = [1e-5, 1e-3] }\n"
                            "\"model.widths\" = { choice = [[64], [128]] }\n");
  const std::vector<SweptAxis> axes =
      read_swept_axes((dir / "sweep.toml").string(), {"kfac.damping", "model.widths", "train.lr", "train.momentum",
                                                      "train.weight_decay", "data.train_subset"});
  ASSERT_EQ(axes.size(), 6u);
  EXPECT_EQ(axes[0].kind, SweptAxis::Kind::grid);    // a case key
  EXPECT_EQ(axes[1].kind, SweptAxis::Kind::choice);
  EXPECT_EQ(axes[1].choices, (std::vector<std::string>{"[64]", "[128]"}));
  EXPECT_EQ(axes[2].kind, SweptAxis::Kind::grid);
  EXPECT_EQ(axes[3].kind, SweptAxis::Kind::range);
  EXPECT_EQ(axes[3].lo, 0.8);
  EXPECT_EQ(axes[3].hi, 0.99);
  EXPECT_FALSE(axes[3].log_scale);
  EXPECT_EQ(axes[4].kind, SweptAxis::Kind::range);
  EXPECT_TRUE(axes[4].log_scale);
  EXPECT_EQ(axes[5].kind, SweptAxis::Kind::grid);    // not in the file (any more): a grid key
  EXPECT_THROW(read_swept_axes((dir / "absent.toml").string(), {"train.lr"}), ConfigError);
  fs::remove_all(dir);
}

TEST(SweepReader, KeysARunsCaseDoesNotSetAreLeftOutOfItsSetting) {
  // sweep.tsv of a sweep with cases: SGD sets train.lr, K-FAC sets kfac.damping (empty cells).
  const fs::path dir = fs::temp_directory_path() / ("curvlab_sweep_reader_cases_" + std::to_string(getpid()));
  fs::remove_all(dir);
  const auto job = [&](const std::string& id, const std::string& optimizer, const std::string& extra) {
    write(dir / "jobs" / (id + ".toml"), "[job]\noutput_dir = \"" + (dir / "runs" / id).string() +
                                             "\"\n[data]\ndataset = \"synthetic\"\n[train]\noptimizer = \"" +
                                             optimizer + "\"\ntarget_metric = \"test_accuracy\"\ntarget_value = 0.8\n" +
                                             extra);
  };
  job("a", "sgd", "lr = 0.3\n");
  job("b", "kfac", "[kfac]\ndamping = 0.01\n");
  write(dir / "sweep.tsv", "id\trun_dir\tjob_file\tkfac.damping\ttrain.lr\ttrain.optimizer\n"
                           "a\truns/a\tjobs/a.toml\t\t0.3\t\"sgd\"\n"
                           "b\truns/b\tjobs/b.toml\t0.01\t\t\"kfac\"\n");
  const SweepData sweep = read_sweep(dir.string(), Target{});
  ASSERT_EQ(sweep.runs.size(), 2u);
  EXPECT_EQ(sweep.hyperparameters, (std::vector<std::string>{"kfac.damping", "train.lr"}));
  EXPECT_EQ(sweep.runs[0].setting, "train.lr=0.3");
  EXPECT_EQ(sweep.runs[0].values, (HyperValues{{"train.lr", "0.3"}}));
  EXPECT_EQ(sweep.runs[1].setting, "kfac.damping=0.01");
  EXPECT_EQ(sweep.runs[1].values, (HyperValues{{"kfac.damping", "0.01"}}));
  EXPECT_EQ(sweep.runs[1].state, "pending");
  EXPECT_NE(sweep.axes_note.find("sweep.toml could not be read"), std::string::npos) << sweep.axes_note;
  fs::remove_all(dir);
}

TEST(SweepReader, RunDirectoriesAndStatusLines) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_sweep_reader_dirs_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "a");
  EXPECT_FALSE(is_run_dir((dir / "a").string()));
  EXPECT_EQ(read_status_line((dir / "a").string()), "");
  for (const char* marker : {"job.toml", "status", "metrics_steps.csv"}) {
    const fs::path d = dir / marker;
    write(d / marker, "done\nsecond line\n");
    EXPECT_TRUE(is_run_dir(d.string())) << marker;
  }
  EXPECT_EQ(read_status_line((dir / "status").string()), "done");
  EXPECT_FALSE(is_run_dir((dir / "absent").string()));
  try {
    read_sweep((dir / "a").string(), parse_target("test_accuracy=0.8"));
    ADD_FAILURE() << "a directory without sweep.tsv is no sweep";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sweep.tsv"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
