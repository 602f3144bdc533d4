// The training step loop and the state it saves in checkpoints (see docs/checkpoint-format.md).
#include "engine/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "algorithms/kfac/kfac_preconditioner.h"
#include "algorithms/large_batch/batch_schedule.h"
#include "algorithms/large_batch/noise_scale.h"
#include "algorithms/hessian/tracker.h"
#include "algorithms/optim/optimizer.h"
#include "algorithms/schedules/lr_schedule.h"
#include "comm/reducer.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/error.h"
#include "engine/metrics.h"
#include "engine/models/batchnorm.h"
#include "engine/models/model.h"
#include "engine/progress.h"
#include "engine/seeding.h"
#include "engine/snapshot_ensemble.h"
#include "engine/version.h"

namespace curvlab {

namespace {
using Clock = std::chrono::steady_clock;

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

std::string iso_time_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Parameters and buffers under their PyTorch state_dict keys.
std::vector<std::pair<std::string, torch::Tensor>> state_dict(torch::nn::Module& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace_back(b.key(), b.value());
  return out;
}
}  // namespace

struct Trainer::State {
  JobSpec spec;
  CommunicatorPtr comm;
  RunMode mode;
  TrainerHooks hooks;
  RunPaths paths;

  DataSplits data;
  Net model;
  NamedParams params;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<KfacPreconditioner> kfac;  // train.optimizer = "kfac": preconditions .grad() before the SGD step
  std::unique_ptr<GradReducer> reducer;
  std::unique_ptr<Loader> loader;
  std::unique_ptr<Checkpointer> checkpointer;
  RunMetrics metrics;
  std::unique_ptr<CurvatureTracker> tracker;  // [hessian] track_every_*: curvature at evaluations
  std::unique_ptr<BatchSchedule> schedule;    // [train.batch_schedule]
  std::unique_ptr<GradientNoiseScale> noise;  // train.noise_scale
  std::unique_ptr<SnapshotEnsemble> ensemble; // cyclical schedules with batch_schedule.ensemble
  int micro_batches = 1;                      // backward passes per step and rank

  std::int64_t step = 0;
  std::int64_t planned_steps = 0;
  double planned_epochs = 0;
  double loss_since_eval = 0;
  std::int64_t steps_since_eval = 0;
  bool epoch_done = false;  // the last batch ended an epoch (matters with drop_last)
  std::string last_checkpoint;
  double wall_offset = 0;  // wall time of earlier segments of a resumed run
  Clock::time_point start;

  State(const JobSpec& s, CommunicatorPtr c, RunMode m, TrainerHooks h)
      : spec(s), comm(std::move(c)), mode(m), hooks(std::move(h)), paths(s.job.output_dir) {}

  bool is_root() const { return comm->rank() == 0; }
  double wall() const { return wall_offset + std::chrono::duration<double>(Clock::now() - start).count(); }
  // Samples seen / training-set size; a batch that ends an epoch (drop_last too) completes it.
  double epoch_progress() const {
    if (epoch_done) return static_cast<double>(loader->epoch() + 1);
    return static_cast<double>(loader->epoch()) +
           static_cast<double>(loader->position()) / static_cast<double>(data.train.size());
  }
  Progress progress() const { return {step, epoch_progress()}; }

  void build();
  void broadcast_model();
  bool resume();
  void save_checkpoint();
  void write_results() const;
  void save_all(StateWriter& w) const;
  std::pair<double, double> evaluate();
  void record_eval();
  bool stop_requested();
  Net fresh_model() const;
  void rebuild_ensemble();
  void end_of_cycle(std::int64_t cycle, std::int64_t batch);
  NoiseScaleEstimate measure_noise(const std::vector<double>& stats, std::int64_t global_size);
  std::int64_t target_row() const;
};

void Trainer::State::build() {
  const std::uint64_t seed = spec.job.seed;
  data = load_data(spec.data, seed);
  CURVLAB_CHECK(spec.train.batch_size <= data.train.size(), ConfigError,
                spec.where("train.batch_size").str() + ": train.batch_size (" + std::to_string(spec.train.batch_size) +
                    ") is larger than the training set (" + std::to_string(data.train.size()) +
                    " samples); lower it or enlarge data.train_subset");
  torch::manual_seed(derive_seed(seed, "model_init"));
  model = make_model(spec.model, data.sample_shape, data.num_classes);
  for (const auto& p : model->named_parameters()) params.emplace_back(p.key(), p.value());
  if (spec.comm.sync_batchnorm && comm->size() > 1) {
    CURVLAB_CHECK(spec.train.batch_size >= comm->size(), ConfigError,
                  spec.where("comm.sync_batchnorm").str() + ": comm.sync_batchnorm needs every rank to hold samples, "
                      "but train.batch_size (" + std::to_string(spec.train.batch_size) + ") is smaller than the " +
                      std::to_string(comm->size()) + " ranks; raise the batch size or use fewer ranks");
    set_sync_batchnorm(*model, comm);
  }
  broadcast_model();
  optimizer = make_optimizer(spec.train, params);
  if (spec.train.optimizer == "kfac") kfac = std::make_unique<KfacPreconditioner>(spec.kfac, *model, comm);
  ReducerOptions ropts;
  ropts.bucket_mb = spec.comm.bucket_mb;
  ropts.first_bucket_mb = spec.comm.first_bucket_mb;
  reducer = std::make_unique<GradReducer>(comm, params, ropts);
  loader = std::make_unique<Loader>(data.train, seed, comm->rank(), comm->size(), spec.train.drop_last);
  checkpointer = std::make_unique<Checkpointer>(paths.checkpoints, spec.train.keep_last);
  if (CurvatureTracker::enabled(spec)) tracker = std::make_unique<CurvatureTracker>(spec, comm);

  const TrainSpec& t = spec.train;
  schedule = std::make_unique<BatchSchedule>(t.batch_schedule, t.batch_size);
  const std::int64_t n = data.train.size();
  if (t.steps > 0) {
    planned_steps = t.steps;
    planned_epochs = epochs_after_steps(*schedule, n, t.drop_last, planned_steps);
  } else {
    planned_epochs = static_cast<double>(t.epochs);
    planned_steps = plan_steps_for_epochs(*schedule, n, t.drop_last, planned_epochs);
  }
  const double horizon = t.batch_schedule.unit == "steps" ? static_cast<double>(planned_steps) : planned_epochs;
  const std::int64_t largest = schedule->max_batch(horizon);
  CURVLAB_CHECK(largest <= n, ConfigError,
                spec.where("train.batch_schedule").str() + ": the batch schedule reaches a batch of " +
                    std::to_string(largest) + " samples, more than the " + std::to_string(n) +
                    " training samples; lower train.batch_schedule.max_batch_size (or gamma), or enlarge the data");
  micro_batches = static_cast<int>(t.micro_batches);
  // One rank has a single per-rank gradient: the noise scale needs a second, smaller one.
  if (t.noise_scale && comm->size() == 1 && micro_batches == 1) micro_batches = 2;
  if (t.noise_scale) {
    noise = std::make_unique<GradientNoiseScale>(t.noise_scale_ema);
    reducer->set_track_sq_norm(true);
  }
  if (schedule->cyclical() && t.batch_schedule.ensemble) {
    ensemble = std::make_unique<SnapshotEnsemble>(data.test, comm);
  }
}

Net Trainer::State::fresh_model() const {
  // Building a model draws its initial values from the global torch generator: keep it untouched.
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  const torch::Tensor saved = gen.get_state();
  Net m = make_model(spec.model, data.sample_shape, data.num_classes);
  gen.set_state(saved);
  return m;
}

// Resume: the ensemble's summed probabilities are rebuilt from the snapshot files of the cycles
// recorded in metrics.snapshots (so any rank count can resume).
void Trainer::State::rebuild_ensemble() {
  if (!ensemble || metrics.snapshots.rows() == 0) return;
  Net m = fresh_model();
  for (double cycle : metrics.snapshots.column("cycle")) {
    SnapshotEnsemble::load_snapshot(*m, SnapshotEnsemble::snapshot_path(paths.dir, static_cast<std::int64_t>(cycle)));
    ensemble->add(*m);
  }
}

void Trainer::State::end_of_cycle(std::int64_t cycle, std::int64_t batch) {
  const BatchScheduleSpec& b = spec.train.batch_schedule;
  if (b.snapshots && is_root()) {
    std::filesystem::create_directories(paths.dir + "/snapshots");
    const std::map<std::string, std::string> attrs = {
        {"job_text", spec.source_text}, {"curvlab_version", CURVLAB_VERSION}, {"step", std::to_string(step)},
        {"cycle", std::to_string(cycle)}, {"created", iso_time_now()}, {"kind", "snapshot"},
        {"model_spec", model_spec_string(spec.model, data.sample_shape, data.num_classes)}};
    SnapshotEnsemble::save_snapshot(*model, SnapshotEnsemble::snapshot_path(paths.dir, cycle), attrs);
  }
  if (ensemble) {
    const EnsembleEval e = ensemble->add(*model);
    metrics.snapshots.append({static_cast<double>(cycle), static_cast<double>(step), epoch_progress(),
                              static_cast<double>(batch), e.test_loss, e.test_accuracy,
                              static_cast<double>(e.ensemble_size), e.ensemble_loss, e.ensemble_accuracy});
  }
}

// `stats` = {loss_sum, correct, sum |g_k|^2, small gradients, sum 1/b_k} summed over ranks.
NoiseScaleEstimate Trainer::State::measure_noise(const std::vector<double>& stats, std::int64_t global_size) {
  double big = 0;
  for (const auto& [name, p] : params) {
    if (p.grad().defined()) big += p.grad().square().sum(torch::kDouble).item<double>();
  }
  NoiseScaleSample sample;
  if (stats[3] >= 2) {
    sample.small_sq_norm = stats[2] / stats[3];
    sample.small_batch = stats[3] / stats[4];
    sample.big_sq_norm = big;
    sample.big_batch = static_cast<double>(global_size);
    noise->update(sample);
  }
  return noise->estimate();
}

// The first evaluation row that meets train.target_*, or -1.
std::int64_t Trainer::State::target_row() const {
  const TrainSpec& t = spec.train;
  if (t.target_metric.empty() || metrics.evals.rows() == 0) return -1;
  const std::vector<double>& v = metrics.evals.column(t.target_metric);
  const bool higher_better = t.target_metric == "test_accuracy";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (higher_better ? v[i] >= t.target_value : v[i] <= t.target_value) return static_cast<std::int64_t>(i);
  }
  return -1;
}

void Trainer::State::broadcast_model() {
  if (comm->size() == 1) return;
  std::vector<torch::Tensor> tensors;
  for (auto& [name, t] : state_dict(*model)) tensors.push_back(t.detach());
  torch::NoGradGuard no_grad;
  comm->broadcast(tensors, 0);
}

void Trainer::State::save_all(StateWriter& w) const {
  for (const auto& [name, t] : state_dict(*model)) w.write_tensor("model/" + name, t.detach());
  optimizer->save_state(w, "optimizer");
  if (kfac) kfac->save_state(w, "kfac");
  w.write_int("trainer/step", step);
  w.write_int("trainer/epoch", loader->epoch());
  w.write_int("trainer/position", loader->position());
  w.write_int("trainer/world_size", comm->size());
  w.write_double("trainer/loss_since_eval", loss_since_eval);
  w.write_int("trainer/steps_since_eval", steps_since_eval);
  w.write_int("trainer/epoch_done", epoch_done ? 1 : 0);
  if (noise) noise->save_state(w, "noise_scale");
  w.write_double("trainer/wall_time", wall());
  w.write_int("rng/seed", static_cast<std::int64_t>(spec.job.seed));
  metrics.save_state(w, "metrics");
}

void Trainer::State::save_checkpoint() {
  // No checkpoint may hold a non-finite parameter.
  for (const auto& [name, p] : params) {
    if (!torch::isfinite(p).all().item<bool>()) {
      CURVLAB_THROW(NumericsError, "parameter '" + name + "' is not finite at step " + std::to_string(step) +
                                       "; no checkpoint written. Lower train.lr or add warmup");
    }
  }
  // Every rank's CPU generator state is gathered to rank 0 (same size on every rank).
  torch::Tensor rng = at::detail::getDefaultCPUGenerator().get_state();
  std::vector<torch::Tensor> rngs = comm->allgather(rng);
  if (kfac) kfac->gather_for_checkpoint();  // collective: rank 0 gets every K-FAC decomposition
  if (is_root()) {
    const std::map<std::string, std::string> attrs = {
        {"job_text", spec.source_text}, {"job_file", spec.source_path}, {"curvlab_version", CURVLAB_VERSION},
        {"step", std::to_string(step)}, {"created", iso_time_now()}, {"kind", "checkpoint"},
        {"model_spec", model_spec_string(spec.model, data.sample_shape, data.num_classes)}};
    last_checkpoint = checkpointer->save(step, [&](StateWriter& w) {
      save_all(w);
      for (std::size_t r = 0; r < rngs.size(); ++r) w.write_tensor("rng/torch_cpu/rank_" + std::to_string(r), rngs[r]);
    }, attrs);
    write_results();
  }
  comm->barrier();
}

void Trainer::State::write_results() const {
  const std::map<std::string, std::string> attrs = {
      {"job_text", spec.source_text}, {"curvlab_version", CURVLAB_VERSION}, {"step", std::to_string(step)},
      {"created", iso_time_now()}, {"kind", "results"}};
  write_state_file(paths.results, [&](StateWriter& w) {
    metrics.save_state(w, "metrics");
    w.write_int("summary/steps", step);
    w.write_int("summary/world_size", comm->size());
    w.write_double("summary/wall_time", wall());
    if (metrics.evals.rows() > 0) {
      w.write_double("summary/test_accuracy", metrics.evals.column("test_accuracy").back());
      w.write_double("summary/test_loss", metrics.evals.column("test_loss").back());
    }
    if (!spec.train.target_metric.empty()) {
      const std::int64_t row = target_row();
      const auto at = [&](const char* col) {
        return row >= 0 ? metrics.evals.column(col)[static_cast<std::size_t>(row)] : std::nan("");
      };
      w.write_string("summary/target_metric", spec.train.target_metric);
      w.write_double("summary/target_value", spec.train.target_value);
      w.write_int("summary/target_reached", row >= 0 ? 1 : 0);
      w.write_double("summary/target_step", at("step"));
      w.write_double("summary/target_epoch", at("epoch"));
      w.write_double("summary/target_wall_time", at("wall_time"));
    }
    if (metrics.snapshots.rows() > 0) {
      w.write_double("summary/ensemble_accuracy", metrics.snapshots.column("ensemble_accuracy").back());
      w.write_double("summary/ensemble_loss", metrics.snapshots.column("ensemble_loss").back());
      w.write_int("summary/ensemble_size", static_cast<std::int64_t>(metrics.snapshots.column("ensemble_size").back()));
    }
  }, attrs);
}

bool Trainer::State::resume() {
  auto latest = checkpointer->latest_valid();
  if (!latest) {
    if (is_root()) std::fprintf(stderr, "resume: no valid checkpoint in %s; starting from step 0\n", paths.checkpoints.c_str());
    return false;
  }
  auto in = open_state_file(*latest);
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : state_dict(*model)) {
    torch::Tensor v = in->read_tensor("model/" + name);
    CURVLAB_CHECK(v.sizes() == t.sizes(), IoError,
                  *latest + ": model/" + name + " has shape " + c10::str(v.sizes()) + " but the job's model has " +
                      c10::str(t.sizes()) + "; resume with the same [model] section");
    t.copy_(v);
  }
  optimizer->load_state(*in, "optimizer");
  if (kfac) kfac->load_state(*in, "kfac");
  step = in->read_int("trainer/step");
  loader->set_state(in->read_int("trainer/epoch"), in->read_int("trainer/position"));
  loss_since_eval = in->read_double("trainer/loss_since_eval");
  steps_since_eval = in->read_int("trainer/steps_since_eval");
  epoch_done = in->has("trainer/epoch_done") && in->read_int("trainer/epoch_done") != 0;
  if (noise && in->has("noise_scale/updates")) noise->load_state(*in, "noise_scale");
  wall_offset = in->read_double("trainer/wall_time");
  metrics.load_state(*in, "metrics");
  const std::string my_rng = "rng/torch_cpu/rank_" + std::to_string(comm->rank());
  if (in->has(my_rng)) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(in->read_tensor(my_rng));
  }
  last_checkpoint = *latest;
  broadcast_model();
  rebuild_ensemble();
  return true;
}

std::pair<double, double> Trainer::State::evaluate() {
  torch::NoGradGuard no_grad;
  model->eval();
  const Dataset& test = data.test;
  const std::int64_t n = test.size(), world = comm->size(), r = comm->rank();
  const std::int64_t begin = n * r / world, end = n * (r + 1) / world;
  double loss_sum = 0, correct = 0;
  const std::int64_t chunk = 1000;
  for (std::int64_t i = begin; i < end; i += chunk) {
    const std::int64_t j = std::min(end, i + chunk);
    auto x = test.inputs.slice(0, i, j), y = test.targets.slice(0, i, j);
    auto logits = model->forward(x);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
    correct += logits.argmax(1).eq(y).sum().item<double>();
  }
  auto totals = torch::tensor({loss_sum, correct}, torch::kFloat64);
  comm->allreduce({totals}, ReduceOp::kSum);
  model->train();
  return {totals[0].item<double>() / n, totals[1].item<double>() / n};
}

void Trainer::State::record_eval() {
  auto [test_loss, test_acc] = evaluate();
  if (tracker) tracker->on_eval(model, data.train, step, epoch_progress());
  const double train_loss = steps_since_eval > 0 ? loss_since_eval / steps_since_eval : std::nan("");
  metrics.evals.append({static_cast<double>(step), epoch_progress(), train_loss, test_loss, test_acc, wall()});
  loss_since_eval = 0;
  steps_since_eval = 0;
}

bool Trainer::State::stop_requested() {
  if (!hooks.stop_requested) return false;
  const double mine = hooks.stop_requested() ? 1.0 : 0.0;
  return comm->allreduce_scalar(mine, ReduceOp::kMax) > 0.5;
}

Trainer::Trainer(const JobSpec& spec, CommunicatorPtr comm, RunMode mode, TrainerHooks hooks)
    : s_(std::make_unique<State>(spec, std::move(comm), mode, std::move(hooks))) {}

Trainer::~Trainer() = default;

TrainResult Trainer::run() {
  State& s = *s_;
  s.start = Clock::now();
  s.build();
  TrainResult result;
  if (s.mode == RunMode::kResume) {
    result.resumed = s.resume();
    result.resumed_from_step = s.step;
  }
  std::unique_ptr<CsvSink> csv;
  if (s.is_root()) csv = std::make_unique<CsvSink>(s.paths.dir, s.metrics);
  ProgressReporter progress(s.is_root(), stderr_is_tty(), s.spec.train.log_every_seconds, s.planned_steps);
  if (result.resumed) progress.message("resumed from " + s.last_checkpoint + " at step " + std::to_string(s.step));

  const TrainSpec& t = s.spec.train;
  namespace F = torch::nn::functional;
  s.model->train();
  bool stopped_early = false;
  while (s.step < s.planned_steps) {
    if (s.stop_requested()) {
      stopped_early = true;
      break;
    }
    const auto t0 = Clock::now();
    const Progress at_start = s.progress();
    const double epoch_at_start = at_start.epoch;
    const std::int64_t batch_size = s.schedule->batch_at(at_start);
    const double lr = train_lr_at(t, epoch_at_start, s.planned_epochs, batch_size);
    s.optimizer->set_lr(lr);
    Batch b = s.loader->next(batch_size);

    // Forward/backward on this rank's slice, in micro-batches (contiguous parts whose sizes differ
    // by at most one); the reducer turns per-rank gradients of each micro-batch's mean loss,
    // weighted by its samples / global samples, into the global-batch mean gradient.
    const std::int64_t m = s.micro_batches;
    auto part = [&](std::int64_t k) { return b.local_size * k / m; };
    const double global = static_cast<double>(b.global_size);
    s.reducer->prepare(static_cast<double>(part(1) - part(0)) / global, static_cast<int>(m));
    if (s.kfac) s.kfac->begin_step(epoch_at_start);  // capture on at factor-update steps
    // loss_sum, correct, sum of |g_k|^2, number of small-batch gradients, sum of 1/b_k
    std::vector<double> stats = {0, 0, 0, 0, 0};
    for (std::int64_t k = 0; k < m; ++k) {
      const std::int64_t lo = part(k), n = part(k + 1) - part(k);
      if (k > 0) s.reducer->next_micro_batch(static_cast<double>(n) / global);
      if (n > 0) {
        const bool whole = n == b.local_size;
        torch::Tensor x = whole ? b.inputs : b.inputs.narrow(0, lo, n);
        torch::Tensor y = whole ? b.targets : b.targets.narrow(0, lo, n);
        torch::Tensor logits = s.model->forward(x);  // [n, classes]
        torch::Tensor loss = F::cross_entropy(logits, y);
        loss.backward();
        stats[0] += loss.item<double>() * static_cast<double>(n);
        stats[1] += logits.detach().argmax(1).eq(y).sum().item<double>();
        stats[3] += 1;
        stats[4] += 1.0 / static_cast<double>(n);
      }
      if (s.kfac) s.kfac->after_backward(n, b.global_size, k + 1 == m);  // factor allreduce, overlapped
    }
    s.reducer->finalize();
    s.epoch_done = b.last_in_epoch;
    if (s.noise) stats[2] = s.reducer->local_sq_norm();
    if (s.comm->size() > 1) {
      auto all = torch::tensor(stats, torch::kFloat64);
      s.comm->allreduce({all}, ReduceOp::kSum);
      for (std::size_t i = 0; i < stats.size(); ++i) stats[i] = all[static_cast<std::int64_t>(i)].item<double>();
    }
    const double step_loss = stats[0] / global, step_acc = stats[1] / global;
    if (!std::isfinite(step_loss)) {
      CURVLAB_THROW(NumericsError, "training loss became " + std::string(std::isnan(step_loss) ? "NaN" : "infinite") +
                                       " at step " + std::to_string(s.step + 1) + " (epoch " +
                                       std::to_string(epoch_at_start) + ", lr " + std::to_string(lr) +
                                       "); the run stopped without writing a checkpoint. Lower train.lr, add "
                                       "train.lr_schedule.warmup_epochs, or check the data");
    }
    NoiseScaleEstimate ns;
    ns.grad_sq_norm = ns.trace_sigma = ns.noise_scale = std::nan("");
    if (s.noise) ns = s.measure_noise(stats, b.global_size);  // before K-FAC changes the gradients
    if (s.kfac) s.kfac->precondition(lr);  // .grad() <- K-FAC-preconditioned, KL-clipped
    s.optimizer->step();
    ++s.step;
    s.loss_since_eval += step_loss;
    ++s.steps_since_eval;

    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    const double sps = static_cast<double>(b.global_size) / std::max(dt, 1e-9);
    s.metrics.steps.append({static_cast<double>(s.step), s.epoch_progress(), step_loss, step_acc, lr,
                            static_cast<double>(b.global_size), sps, s.wall(), ns.grad_sq_norm, ns.trace_sigma,
                            ns.noise_scale});
    if (s.schedule->cycle_ended(at_start, s.progress())) s.end_of_cycle(s.schedule->cycle_at(at_start), batch_size);
    progress.update(s.step, s.epoch_progress(), step_loss, step_acc, lr, sps);

    bool last = s.step == s.planned_steps;
    const bool epoch_end = b.last_in_epoch;
    bool due = epoch_end;
    if (t.eval_every_steps > 0) due = s.step % t.eval_every_steps == 0;
    if (t.eval_every_epochs > 0) {  // crossed a multiple of eval_every_epochs in this step
      const auto mark = [&](double e) { return std::floor(e / t.eval_every_epochs + 1e-9); };
      due = mark(s.epoch_progress()) > mark(epoch_at_start);
    }
    const bool do_eval = last || due;
    bool do_ckpt = last || (t.checkpoint_every_steps > 0 ? s.step % t.checkpoint_every_steps == 0 : epoch_end);
    if (do_eval) {
      const bool had_target = s.target_row() >= 0;
      s.record_eval();
      if (!had_target && s.target_row() >= 0) {
        progress.message("target " + t.target_metric + " " + (t.target_metric == "test_accuracy" ? ">= " : "<= ") +
                         format_double(t.target_value) + " reached at step " + std::to_string(s.step) +
                         (t.stop_at_target ? "; stopping (train.stop_at_target)" : ""));
        if (t.stop_at_target) last = do_ckpt = true;
      }
      char line[256];
      std::snprintf(line, sizeof(line), "eval step %lld epoch %.2f: train_loss %.4f test_loss %.4f test_accuracy %.4f",
                    static_cast<long long>(s.step), s.epoch_progress(), s.metrics.evals.column("train_loss").back(),
                    s.metrics.evals.column("test_loss").back(), s.metrics.evals.column("test_accuracy").back());
      progress.message(line);
    }
    if (do_ckpt) s.save_checkpoint();
    if (csv) csv->flush_new_rows();
    if (s.is_root() && s.hooks.after_step) s.hooks.after_step(s.step);
    if (last) break;
  }
  if (stopped_early) {
    s.save_checkpoint();
    if (csv) csv->flush_new_rows();
    progress.message("stop requested: checkpoint written at step " + std::to_string(s.step) + ": " + s.last_checkpoint);
  }
  progress.finish();

  result.steps = s.step;
  result.stopped = stopped_early;
  result.epochs = s.epoch_progress();
  result.wall_time = s.wall();
  result.results_path = s.paths.results;
  result.last_checkpoint = s.last_checkpoint;
  if (s.metrics.evals.rows() > 0) {
    result.test_loss = s.metrics.evals.column("test_loss").back();
    result.test_accuracy = s.metrics.evals.column("test_accuracy").back();
    result.train_loss = s.metrics.evals.column("train_loss").back();
  }
  const std::int64_t row = s.target_row();
  if (row >= 0) result.target_step = static_cast<std::int64_t>(s.metrics.evals.column("step")[static_cast<std::size_t>(row)]);
  if (s.metrics.snapshots.rows() > 0) {
    result.ensemble_accuracy = s.metrics.snapshots.column("ensemble_accuracy").back();
    result.ensemble_size = static_cast<std::int64_t>(s.metrics.snapshots.column("ensemble_size").back());
  }
  return result;
}

}  // namespace curvlab
