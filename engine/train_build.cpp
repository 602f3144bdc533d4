// Building a training run (see train_build.h).
#include "engine/train_build.h"

#include <torch/torch.h>

#include <cmath>
#include <ctime>

#include "base/error.h"
#include "base/seeding.h"
#include "base/version.h"
#include "engine/models/batchnorm.h"
#include "engine/models/model.h"

namespace curvlab {

std::map<std::string, std::string> TrainContext::file_attributes(const std::string& kind) const {
  std::time_t t = std::time(nullptr);
  char created[32];
  std::strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::map<std::string, std::string> a = {{"job_text", options.job_text}, {"curvlab_version", CURVLAB_VERSION},
                                          {"step", std::to_string(step)}, {"created", created}, {"kind", kind}};
  if (kind != "results") a["model_spec"] = model_spec;
  if (kind == "checkpoint") a["job_file"] = options.job_file;
  return a;
}

void broadcast_model(TrainContext& c) {
  if (c.comm->size() == 1) return;
  std::vector<torch::Tensor> tensors;
  for (const auto& p : c.model->named_parameters()) tensors.push_back(p.value().detach());
  for (const auto& b : c.model->named_buffers()) tensors.push_back(b.value().detach());
  torch::NoGradGuard no_grad;
  c.comm->broadcast(tensors, 0);
}

void build_training(TrainContext& c) {
  const TrainerOptions& o = c.options;
  c.data = load_data(o.data, o.seed);
  CURVLAB_CHECK(o.batch_size <= c.data.train.size(), ConfigError,
                "train.batch_size (" + std::to_string(o.batch_size) + ") is larger than the training set (" +
                    std::to_string(c.data.train.size()) + " samples); lower it or enlarge data.train_subset");
  torch::manual_seed(derive_seed(o.seed, "model_init"));
  c.model = make_model(o.model, c.data.sample_shape, c.data.num_classes);
  c.model_spec = model_spec_string(o.model, c.data.sample_shape, c.data.num_classes);
  for (const auto& p : c.model->named_parameters()) c.params.emplace_back(p.key(), p.value());
  if (o.comm.sync_batchnorm && c.comm->size() > 1) {
    CURVLAB_CHECK(o.batch_size >= c.comm->size(), ConfigError,
                  "comm.sync_batchnorm needs every rank to hold samples, but train.batch_size (" +
                      std::to_string(o.batch_size) + ") is smaller than the " + std::to_string(c.comm->size()) +
                      " ranks; raise the batch size or use fewer ranks");
    set_sync_batchnorm(*c.model, c.comm);
  }
  broadcast_model(c);
  c.optimizer = make_optimizer(o.optimizer, c.params);
  ReducerOptions ropts;
  ropts.bucket_mb = o.comm.bucket_mb;
  ropts.first_bucket_mb = o.comm.first_bucket_mb;
  c.reducer = std::make_unique<GradReducer>(c.comm, c.params, ropts);
  c.loader = std::make_unique<Loader>(c.data.train, o.seed, c.comm->rank(), c.comm->size(), o.drop_last);
  c.task = make_task(o.task);

  c.schedule = std::make_unique<BatchSchedule>(o.batch_schedule, o.batch_size);
  const std::int64_t n = c.data.train.size();
  if (o.steps > 0) {
    c.planned_steps = o.steps;
    c.planned_epochs = epochs_after_steps(*c.schedule, n, o.drop_last, c.planned_steps);
  } else {
    c.planned_epochs = static_cast<double>(o.epochs);
    c.planned_steps = plan_steps_for_epochs(*c.schedule, n, o.drop_last, c.planned_epochs);
  }
  const double horizon =
      o.batch_schedule.unit == ScheduleUnit::kSteps ? static_cast<double>(c.planned_steps) : c.planned_epochs;
  const std::int64_t largest = c.schedule->max_batch(horizon);
  CURVLAB_CHECK(largest <= n, ConfigError,
                "train.batch_schedule: the batch schedule reaches a batch of " + std::to_string(largest) +
                    " samples, more than the " + std::to_string(n) +
                    " training samples; lower train.batch_schedule.max_batch_size (or gamma), or enlarge the data");
  c.progress = std::make_unique<ProgressReporter>(c.is_root(), stderr_is_tty(), o.log_every_seconds, c.planned_steps);
}

void finish_step_table(TrainContext& c) {
  std::vector<std::string> cols = {"step", "epoch"};
  for (const auto& t : c.task->step_columns()) cols.push_back(t);
  for (const char* t : {"lr", "batch_size", "samples_per_s", "wall_time", "grad_sq_norm", "trace_sigma", "noise_scale"}) {
    cols.emplace_back(t);
  }
  for (const auto& h : c.hooks) {
    for (const auto& col : h->step_columns()) {
      if (std::find(cols.begin(), cols.end(), col) == cols.end()) cols.push_back(col);
    }
  }
  std::vector<std::string> evals = {"step", "epoch", "train_loss"};
  for (const auto& t : c.task->eval_columns()) evals.push_back(t);
  evals.emplace_back("wall_time");
  c.metrics.steps = MetricTable(cols);
  c.metrics.evals = MetricTable(evals);
}

std::int64_t target_row(const TrainContext& c) {
  const TrainerOptions& o = c.options;
  if (o.target_metric.empty() || c.metrics.evals.rows() == 0) return -1;
  const std::vector<double>& v = c.metrics.evals.column(o.target_metric);
  const bool higher = c.task->higher_is_better(o.target_metric);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (higher ? v[i] >= o.target_value : v[i] <= o.target_value) return static_cast<std::int64_t>(i);
  }
  return -1;
}

TrainResult train_result(const TrainContext& c, TrainResult r, bool stopped) {
  r.steps = c.step;
  r.stopped = stopped;
  r.epochs = c.epoch_progress();
  r.wall_time = c.wall();
  r.results_path = c.paths.results;
  r.last_checkpoint = c.last_checkpoint;
  const MetricTable& e = c.metrics.evals;
  if (e.rows() > 0) {
    const auto last = [&](const char* col) { return e.column(col).back(); };
    r.train_loss = last("train_loss");
    if (c.task->name() == "classification") {
      r.test_loss = last("test_loss");
      r.test_accuracy = last("test_accuracy");
    }
  }
  const std::int64_t row = target_row(c);
  if (row >= 0) r.target_step = static_cast<std::int64_t>(e.column("step")[static_cast<std::size_t>(row)]);
  if (c.metrics.snapshots.rows() > 0) {
    r.ensemble_accuracy = c.metrics.snapshots.column("ensemble_accuracy").back();
    r.ensemble_size = static_cast<std::int64_t>(c.metrics.snapshots.column("ensemble_size").back());
  }
  return r;
}

}  // namespace curvlab
