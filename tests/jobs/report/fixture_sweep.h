// The fixture sweep of the report tests: a sweep directory (sweep.tsv, jobs/<id>.toml, runs/<id>/
// with hand-made metrics) for 2 optimizers x 4 batch sizes x 2 learning rates x 2 seeds, with a
// diverged, a pending, a still-running and an unreadable run, whose steps to test_accuracy >= 0.8
// are known by construction (kSgdSteps, kKfacSteps); and the 2x2 normal equations of the B_crit fit.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace curvlab::report_test {
namespace fs = std::filesystem;
constexpr double kTol = 1e-9;
constexpr double kTrainSize = 12800;  // epochs = step * B / kTrainSize

inline void write(const fs::path& p, const std::string& text) {
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
inline const std::map<int, double> kSgdSteps = {{128, 800}, {256, 400}, {512, 200}, {1024, 260}};
inline const std::map<int, double> kKfacSteps = {{128, 500}, {256, 300}, {512, 200}, {1024, 150}};

inline std::vector<FixtureRun> fixture_runs() {
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

inline double wall_at(double step, int batch) { return step * 0.01 * batch / 128.0; }

// Writes the sweep; returns its directory.
inline fs::path write_fixture(const std::string& name, const std::vector<FixtureRun>& runs) {
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

// Independent least squares of S on 1/B: the 2x2 normal equations by Cramer's rule.
inline std::pair<double, double> normal_equations(const std::map<int, double>& steps) {
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

}  // namespace curvlab::report_test
