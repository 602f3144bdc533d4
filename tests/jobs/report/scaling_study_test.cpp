// The batch-size scaling report on a fixture sweep with known curves: this test writes a sweep
// directory (sweep.tsv, jobs/<id>.toml, runs/<id>/ with hand-made metrics) for 2 optimizers x 4
// batch sizes x 2 learning rates x 2 seeds, with a diverged, a pending, a still-running and an
// unreadable run, and checks the steps to target, best settings, perfect-scaling line, critical
// batch sizes, the B_crit fit (against a 2x2 normal-equation solve written here) and sensitivity.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "algorithms/scaling/scaling_fit.h"
#include "algorithms/scaling/study.h"
#include "algorithms/scaling/target.h"
#include "base/error.h"
#include "jobs/report/metrics_csv.h"
#include "jobs/report/report.h"
#include "jobs/report/sweep_reader.h"

namespace curvlab {
namespace {
namespace fs = std::filesystem;
constexpr double kTol = 1e-9;
constexpr double kTrainSize = 12800;  // epochs = step * B / kTrainSize

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// How one fixture run behaves.
struct FixtureRun {
  std::string optimizer;
  int batch = 0;
  std::string lr;                // as written in sweep.tsv
  int seed = 0;
  double reach_step = -1;        // first eval step with test_accuracy >= 0.8; -1 = never
  std::string status = "done\n"; // "" = pending (no run directory)
  double last_step = 1200;
  bool nan_eval = false;         // a NaN accuracy right after step 100 (diverged)
  bool missing_job = false;      // no jobs/<id>.toml
  std::string target_toml;       // extra [train] lines of its job file (train.target_*)
  std::string id() const { return optimizer + "-" + std::to_string(batch) + "-" + lr + "-s" + std::to_string(seed); }
};

// Expected best steps per (optimizer, batch): sgd perfect to 512 then departs; kfac follows
// S = 100 (1 + 512 / B) exactly with lr 0.2.
const std::map<int, double> kSgdSteps = {{128, 800}, {256, 400}, {512, 200}, {1024, 260}};
const std::map<int, double> kKfacSteps = {{128, 500}, {256, 300}, {512, 200}, {1024, 150}};

std::vector<FixtureRun> fixture_runs() {
  std::vector<FixtureRun> runs;
  for (const auto& [b, t] : kSgdSteps) {
    runs.push_back({"sgd", b, "0.1", 1, t - 10});
    runs.push_back({"sgd", b, "0.1", 2, t + 10});
    if (b < 1024) {
      const double t2 = b == 128 ? 1000 : b == 256 ? 500 : 300;
      runs.push_back({"sgd", b, "0.2", 1, t2 - 10});
      FixtureRun r{"sgd", b, "0.2", 2, t2 + 10};
      if (b == 256) {
        r.status = "running\n";  // already past the target: counted
        r.last_step = 600;
      }
      runs.push_back(r);
    } else {
      runs.push_back({"sgd", b, "0.2", 1, -1});                  // done, never reaches
      runs.push_back({"sgd", b, "0.2", 2, -1, ""});              // pending: not counted
    }
  }
  for (const auto& [b, t] : kKfacSteps) {
    runs.push_back({"kfac", b, "0.2", 1, t - 10});
    runs.push_back({"kfac", b, "0.2", 2, t + 10});
    runs.push_back({"kfac", b, "0.1", 1, t + 100});
    FixtureRun r{"kfac", b, "0.1", 2, t + 100};
    if (b == 512) {
      r.status = "running\n";  // not there yet: not counted
      r.reach_step = -1;
      r.last_step = 100;
    }
    if (b == 1024) {
      r.status = "failed: training loss became NaN at step 110\n";
      r.reach_step = -1;
      r.nan_eval = true;
      r.last_step = 110;
    }
    runs.push_back(r);
  }
  FixtureRun unreadable{"sgd", 128, "0.1", 3, 790};
  unreadable.missing_job = true;
  runs.push_back(unreadable);
  return runs;
}

double wall_at(double step, int batch) { return step * 0.01 * batch / 128.0; }

// Writes the sweep; returns its directory.
fs::path write_fixture(const std::string& name, const std::vector<FixtureRun>& runs) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_report_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  std::ostringstream tsv;
  tsv << "id\trun_dir\tjob_file\ttrain.optimizer\ttrain.batch_size\ttrain.lr\tjob.seed\n";
  for (const FixtureRun& r : runs) {
    const std::string id = r.id();
    tsv << id << "\truns/" << id << "\tjobs/" << id << ".toml\t\"" << r.optimizer << "\"\t" << r.batch << "\t" << r.lr
        << "\t" << r.seed << "\n";
    if (!r.missing_job) {
      write(dir / "jobs" / (id + ".toml"),
            "[job]\nname = \"fixture-" + id + "\"\noutput_dir = \"" + (dir / "runs" / id).string() + "\"\nseed = " +
                std::to_string(r.seed) + "\n[data]\ndataset = \"synthetic\"\n[model]\nname = \"mlp\"\n[train]\nsteps = 1200\n"
                "batch_size = " + std::to_string(r.batch) + "\noptimizer = \"" + r.optimizer + "\"\nlr = " + r.lr + "\n" + r.target_toml);
    }
    if (r.status.empty()) continue;
    const fs::path run = dir / "runs" / id;
    write(run / "status", r.status);
    std::ostringstream evals, steps;
    evals << "step,epoch,train_loss,test_loss,test_accuracy,wall_time\n";
    steps << "step,epoch,loss,accuracy,lr,batch_size,samples_per_s,wall_time"
          << (r.optimizer == "sgd" ? ",grad_sq_norm,trace_sigma,noise_scale" : "") << "\n";
    for (double s = 10; s <= r.last_step; s += 10) {
      const bool reached = r.reach_step > 0 && s >= r.reach_step;
      const double reach = r.reach_step > 0 ? r.reach_step : 1e9;
      const bool nan = r.nan_eval && s > 100;
      const double acc = nan ? NAN : reached ? 0.85 : 0.5 + 0.3 * s / reach;
      evals << s << "," << s * r.batch / kTrainSize << ",1.0," << (nan ? "nan" : "0.9") << ","
            << (nan ? std::string("nan") : std::to_string(acc)) << "," << wall_at(s, r.batch) << "\n";
      steps << s << "," << s * r.batch / kTrainSize << "," << (nan ? "nan" : "1.0") << ",0.5," << r.lr << "," << r.batch
            << ",1000," << wall_at(s, r.batch);
      if (r.optimizer == "sgd") {
        // Noise scale: 1e6 in the first half (ignored), batch + 1000 (+20 for seed 2) in the second,
        // with a nan every third row.
        const bool late = s > r.last_step / 2;
        const double noise = late ? r.batch + 1000 + (r.seed == 2 ? 20 : 0) : 1e6;
        steps << ",1,1," << (static_cast<int>(s / 10) % 3 == 0 ? std::string("nan") : std::to_string(noise));
      }
      steps << "\n";
    }
    write(run / "metrics_evals.csv", evals.str());
    write(run / "metrics_steps.csv", steps.str());
  }
  write(dir / "sweep.tsv", tsv.str());
  return dir;
}

TEST(ScalingTarget, FirstReachHigherAndLowerIsBetter) {
  const std::vector<EvalPoint> acc = {{10, 0.1, 1, 0.5}, {20, 0.2, 2, NAN}, {30, 0.3, 3, 0.88}, {40, 0.4, 4, 0.9}};
  const Reach r = first_reach(acc, parse_target("test_accuracy=0.88"));
  EXPECT_TRUE(r.reached);
  EXPECT_EQ(r.step, 30);
  EXPECT_EQ(r.epoch, 0.3);
  EXPECT_EQ(r.wall_time, 3);
  const std::vector<EvalPoint> loss = {{10, 0, 0, 2.0}, {20, 0, 0, INFINITY}, {30, 0, 0, 0.31}, {40, 0, 0, 0.3}};
  EXPECT_EQ(first_reach(loss, parse_target("train_loss=0.3")).step, 40);
  EXPECT_FALSE(first_reach(loss, parse_target("test_loss=0.1")).reached);
  EXPECT_TRUE(std::isinf(first_reach(loss, parse_target("test_loss=0.1")).step));
  EXPECT_THROW(parse_target("accuracy=0.9"), ConfigError);
  EXPECT_THROW(parse_target("test_accuracy"), ConfigError);
  EXPECT_THROW(parse_target("test_accuracy=high"), ConfigError);
  EXPECT_THROW(parse_target("test_accuracy=nan"), ConfigError);
}

TEST(ScalingStudy, MedianTreatsUnreachedSeedsAsInfinite) {
  EXPECT_TRUE(std::isnan(median({})));
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_TRUE(std::isinf(median({1, INFINITY})));
  EXPECT_EQ(median({1, 2, INFINITY}), 2);
  EXPECT_EQ(median({1, 3, 5, INFINITY}), 4);
  EXPECT_EQ(second_half_median({1, 2, 3, 4, 5, 6}, {9, 9, 9, 1, NAN, 3}), 2);
}

TEST(ScalingFit, RecoversTheMcCandlishModelExactly) {
  // S(B) = 100 (1 + 512 / B) at B = 64 ... 2048.
  std::vector<ScalingPoint> points;
  for (double b = 64; b <= 2048; b *= 2) points.push_back({b, 100 * (1 + 512 / b)});
  const CriticalBatchFit fit = fit_critical_batch(points);
  ASSERT_TRUE(fit.ok) << fit.note;
  EXPECT_NEAR(fit.s_min, 100, kTol * 100);
  EXPECT_NEAR(fit.b_crit, 512, kTol * 512);
  EXPECT_NEAR(fit.r2, 1, kTol);
  // Anchored at 64 (S = 900), S / S_perfect = 900 (1 + 512/B)/(900 * 64 / B)... <= 2 up to B = 512 here:
  // S(512) = 200 <= 2 * 900 * 64 / 512 = 225; S(1024) = 150 > 2 * 56.25.
  EXPECT_EQ(measured_critical_batch(points), 512);
  // Perfect scaling throughout: intercept 0, no B_crit.
  const CriticalBatchFit flat = fit_critical_batch({{128, 800}, {256, 400}, {512, 200}});
  EXPECT_FALSE(flat.ok);
  EXPECT_NE(flat.note.find("S_min <= 0"), std::string::npos);
  EXPECT_FALSE(fit_critical_batch({{128, 800}, {256, INFINITY}}).ok);
  EXPECT_EQ(measured_critical_batch({{128, INFINITY}, {256, 400}, {512, 200}, {1024, INFINITY}}), 512);
  EXPECT_TRUE(std::isnan(measured_critical_batch({{128, INFINITY}})));
}

TEST(ScalingStudy, RunStates) {
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

TEST(MetricsCsv, ToleratesMissingColumnsNanAndACutOffLastLine) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_csv_" + std::to_string(getpid()));
  fs::create_directories(dir);
  write(dir / "m.csv", "step,loss\n1,nan\n2,inf\n3,0.5\n4,0.");
  const MetricsCsv csv = read_metrics_csv((dir / "m.csv").string());
  ASSERT_EQ(csv.rows(), 3u);
  EXPECT_TRUE(std::isnan(csv.columns.at("loss")[0]));
  EXPECT_TRUE(std::isinf(csv.columns.at("loss")[1]));
  EXPECT_EQ(csv.columns.at("loss")[2], 0.5);
  EXPECT_EQ(csv.column("noise_scale").size(), 3u);
  EXPECT_TRUE(std::isnan(csv.column("noise_scale")[2]));
  EXPECT_EQ(read_metrics_csv((dir / "absent.csv").string()).rows(), 0u);
  fs::remove_all(dir);
}

// Independent least squares of S on 1/B: the 2x2 normal equations by Cramer's rule.
std::pair<double, double> normal_equations(const std::map<int, double>& steps) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [b, s] : steps) {
    const double x = 1.0 / b;
    n += 1, sx += x, sy += s, sxx += x * x, sxy += x * s;
  }
  const double det = n * sxx - sx * sx;
  const double a = (sy * sxx - sx * sxy) / det;  // intercept
  const double slope = (n * sxy - sx * sy) / det;
  return {a, slope};
}

TEST(ScalingStudy, FixtureSweepGivesTheKnownTable) {
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

TEST(ScalingStudy, ReportWritesTablesAndRejectsBadInput) {
  const fs::path dir = write_fixture("cli", fixture_runs());
  // No target in the job files and none given.
  EXPECT_THROW(make_report(dir.string(), {}), ConfigError);
  ReportOptions options;
  options.target = parse_target("test_accuracy=0.8");
  options.out_dir = (dir / "out").string();
  const ReportOutcome out = make_report(dir.string(), options);
  EXPECT_EQ(out.kind, "sweep");
  for (const char* f : {"steps_to_target.csv", "steps_to_target.md", "settings.csv", "runs.csv", "summary.md"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / "out" / f)) << f;
  }
  const MetricsCsv table = read_metrics_csv((dir / "out" / "steps_to_target.csv").string());
  ASSERT_EQ(table.rows(), 8u);
  EXPECT_EQ(table.columns.at("steps")[0], 500);  // kfac 128 (rows sorted by optimizer name)
  EXPECT_NE(out.text.find("measured critical batch 512"), std::string::npos) << out.text;
  // Neither a run nor a sweep.
  const fs::path empty = dir / "empty";
  fs::create_directories(empty);
  EXPECT_THROW(make_report(empty.string(), {}), ConfigError);
  // A sweep.tsv with a bad header.
  write(empty / "sweep.tsv", "run\tdir\n");
  EXPECT_THROW(make_report(empty.string(), options), ConfigError);
  fs::remove_all(dir);
}

TEST(ScalingStudy, TargetFromTheJobFilesAndDisagreement) {
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

}  // namespace
}  // namespace curvlab
