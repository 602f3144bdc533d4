// Reading a sweep directory into RunOutcomes (sweep_reader.h).
#include "jobs/report/sweep_reader.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "jobs/job_parser.h"
#include "jobs/report/metrics_csv.h"
#include "jobs/sweep/sweep_expand.h"

namespace curvlab {
namespace fs = std::filesystem;


bool is_run_dir(const std::string& dir) {
  const fs::path p(dir);
  return fs::is_regular_file(p / "job.toml") || fs::is_regular_file(p / "status") ||
         fs::is_regular_file(p / "metrics_steps.csv");
}

std::string read_status_line(const std::string& run_dir) {
  std::ifstream f(fs::path(run_dir) / "status");
  std::string line;
  if (f) std::getline(f, line);
  return line;
}

std::string classify_run_state(const std::string& status, bool has_metrics, bool non_finite) {
  auto starts = [&](const char* p) { return status.rfind(p, 0) == 0; };
  if (starts("done")) return non_finite ? "diverged" : "done";
  if (starts("failed")) {
    bool numeric = false;  // the trainer's NumericsError messages: "became NaN", "infinite", "is not finite"
    for (const char* word : {"NaN", "nan", "infinite", "not finite", "non-finite", "diverge"}) {
      numeric = numeric || status.find(word) != std::string::npos;
    }
    return non_finite || numeric ? "diverged" : "failed";
  }
  if (starts("stopped") || starts("requeued")) return "stopped";
  if (starts("running")) return "running";
  return has_metrics ? "running" : "pending";
}

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::stringstream s(line);
  while (std::getline(s, cell, '\t')) out.push_back(cell);
  if (!line.empty() && line.back() == '\t') out.push_back("");
  return out;
}

// train.target_metric / train.target_value of a resolved job file (metric "" when not set).
Target job_target(const JobSpec& spec) {
  Target t;
  t.metric = spec.train.target_metric;
  t.value = spec.train.target_value;
  return t;
}

struct Row {
  std::string id, run_dir, job_file;
  std::vector<std::string> values;
};

std::vector<Row> read_tsv(const std::string& dir, std::vector<std::string>* keys) {
  const fs::path path = fs::path(dir) / "sweep.tsv";
  std::ifstream f(path);
  CURVLAB_CHECK(f.good(), ConfigError, "cannot read " + path.string() + ": is " + dir + " a sweep directory?");
  std::string line;
  CURVLAB_CHECK(static_cast<bool>(std::getline(f, line)), ConfigError,
                path.string() + " is empty: it should start with the header id<TAB>run_dir<TAB>job_file<TAB>...");
  const std::vector<std::string> header = split_tabs(line);
  CURVLAB_CHECK(header.size() >= 3 && header[0] == "id" && header[1] == "run_dir" && header[2] == "job_file",
                ConfigError,
                path.string() + ": the header should start with id<TAB>run_dir<TAB>job_file (is this a sweep written by "
                "`curvlab run` on a job file with a [sweep] section?)");
  keys->assign(header.begin() + 3, header.end());
  std::vector<Row> rows;
  int line_no = 1;
  while (std::getline(f, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells = split_tabs(line);
    CURVLAB_CHECK(cells.size() == header.size(), ConfigError,
                  path.string() + ":" + std::to_string(line_no) + ": " + std::to_string(cells.size()) +
                      " fields where the header has " + std::to_string(header.size()));
    rows.push_back({cells[0], cells[1], cells[2], std::vector<std::string>(cells.begin() + 3, cells.end())});
  }
  return rows;
}

std::string resolve(const std::string& dir, const std::string& rel) {
  const fs::path p(rel);
  return p.is_absolute() ? rel : (fs::path(dir) / p).lexically_normal().string();
}

}  // namespace

std::vector<SweptAxis> read_swept_axes(const std::string& sweep_toml, const std::vector<std::string>& hyperparameters) {
  const JobSpec spec = load_job_file(sweep_toml);
  std::vector<SweptAxis> axes;
  for (const std::string& key : hyperparameters) {
    SweptAxis a;
    a.key = key;
    for (const SweepRandomKey& r : spec.sweep.random) {
      if (r.key != key) continue;
      if (r.distribution == "choice") {
        a.kind = SweptAxis::Kind::choice;
        a.choices = r.choices;
      } else {
        a.kind = SweptAxis::Kind::range;
        a.lo = r.lo;
        a.hi = r.hi;
        a.log_scale = r.distribution == "log_uniform";
      }
    }
    axes.push_back(a);
  }
  return axes;
}

SweepData read_sweep(const std::string& dir, const Target& override_target) {
  SweepData data;
  data.dir = dir;
  const std::vector<Row> rows = read_tsv(dir, &data.swept_keys);
  for (const std::string& k : data.swept_keys) {
    if (k != "job.seed" && k != "train.optimizer" && k != "train.batch_size") data.hyperparameters.push_back(k);
  }

  try {  // sweep.toml is rewritten by every `curvlab run`: the sweep as last run
    data.axes = read_swept_axes((fs::path(dir) / kSweepFileName).string(), data.hyperparameters);
  } catch (const Error& e) {
    data.axes_note = std::string("sweep.toml could not be read (") + e.what() +
                     "), so every hyperparameter is taken as a grid key";
  }

  // Pass 1: the job files (optimizer, batch size, target).
  std::vector<RunOutcome> runs;
  std::vector<std::string> run_dirs;
  Target job_wide;
  std::string job_wide_source;
  for (const Row& row : rows) {
    const std::string job_path = resolve(dir, row.job_file);
    JobSpec spec;
    try {
      spec = load_job_file(job_path);
    } catch (const Error& e) {
      data.problems.push_back("run " + row.id + ": its job file " + job_path + " cannot be used: " + e.what());
      continue;
    }
    RunOutcome r;
    r.id = row.id;
    r.optimizer = optimizer_names().name(spec.train.optimizer);
    r.batch_size = spec.train.batch_size;
    for (std::size_t k = 0; k < data.swept_keys.size(); ++k) {
      const std::string& key = data.swept_keys[k];
      if (key == "job.seed") {
        r.seed = row.values[k];
      } else if (key != "train.optimizer" && key != "train.batch_size" && !row.values[k].empty()) {
        // An empty cell: a key that this run's sweep case does not set.
        r.setting += (r.setting.empty() ? "" : " ") + key + "=" + row.values[k];
        r.values.emplace_back(key, row.values[k]);
      }
    }
    const Target t = job_target(spec);
    if (t.set()) {
      if (!job_wide.set()) {
        job_wide = t;
        job_wide_source = "jobs/" + row.id + ".toml";
      } else if (!override_target.set()) {
        CURVLAB_CHECK(t.metric == job_wide.metric && t.value == job_wide.value, ConfigError,
                      "the runs of " + dir + " have different targets (" + job_wide_source + ": " + job_wide.describe() +
                          ", " + job_path + ": " + t.describe() + "); choose one with --target METRIC=VALUE");
      }
    }
    runs.push_back(std::move(r));
    run_dirs.push_back(resolve(dir, row.run_dir));
  }
  if (override_target.set()) {
    data.target = override_target;
    data.target_source = "--target";
  } else {
    CURVLAB_CHECK(job_wide.set(), ConfigError,
                  "no target is known for the sweep " + dir + ": its job files set no train.target_metric; pass one with "
                  "--target METRIC=VALUE (e.g. --target test_accuracy=0.88; metrics: test_accuracy, test_loss, "
                  "train_loss)");
    data.target = job_wide;
    data.target_source = job_wide_source;
  }

  // Pass 2: the run directories.
  const std::string metric = data.target.metric;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    RunOutcome& r = runs[i];
    const std::string& run_dir = run_dirs[i];
    data.run_dirs[r.id] = run_dir;
    const MetricsCsv evals = read_metrics_csv(run_dir + "/metrics_evals.csv");
    const std::vector<double> step = evals.column("step"), epoch = evals.column("epoch"),
                              wall = evals.column("wall_time"), value = evals.column(metric);
    for (std::size_t k = 0; k < evals.rows(); ++k) r.curve.push_back({step[k], epoch[k], wall[k], value[k]});
    const MetricsCsv steps = read_metrics_csv(run_dir + "/metrics_steps.csv");
    r.noise_scale = second_half_median(steps.column("step"), steps.column("noise_scale"));
    const bool has_metrics = evals.rows() > 0 || steps.rows() > 0;
    std::vector<EvalPoint> loss;
    const std::vector<double> step_loss = steps.column("loss");
    for (double v : step_loss) loss.push_back({0, 0, 0, v});
    r.state = classify_run_state(read_status_line(run_dir), has_metrics, has_non_finite(r.curve) || has_non_finite(loss));
    r.finished = r.state == "done" || r.state == "failed" || r.state == "diverged";
  }
  data.runs = std::move(runs);
  return data;
}

}  // namespace curvlab
