// The training step loop (see trainer.h). Building the run lives in train_build.cpp, checkpoints and
// the results file in train_state.cpp, everything else in step hooks (engine/hooks/).
#include "engine/trainer.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "base/error.h"
#include "engine/hooks/checkpoint_hook.h"
#include "engine/hooks/metrics_hook.h"
#include "engine/hooks/progress_hook.h"
#include "engine/train_build.h"
#include "engine/train_context.h"
#include "engine/train_state.h"

namespace curvlab {
namespace {
using Clock = std::chrono::steady_clock;

// Step metrics on their way from the device to the step table: the task's sums of each step are
// kept as tensors and read in one go every metrics_every_steps steps (and before evaluations and
// checkpoints); the host part of each row waits beside them.
struct StepRows {
  std::vector<torch::Tensor> sums;        // per step: [task columns] float64 sums over this rank's samples
  std::vector<std::vector<double>> means; // per step, once read: task values (global means)
  std::vector<std::vector<double>> rows;  // per step: the row with NaN where the task values go
  std::vector<std::int64_t> global, step;
  std::vector<double> epoch, lr;          // where each step started (for the divergence message)

  // Reads every pending sum (one allreduce and one host copy), checks that the loss is finite.
  void read(TrainContext& c) {
    if (sums.size() == means.size()) return;
    torch::Tensor all =
        torch::stack(std::vector<torch::Tensor>(sums.begin() + static_cast<long>(means.size()), sums.end()));
    if (c.comm->size() > 1) c.comm->allreduce({all}, ReduceOp::kSum);
    all = all.cpu().contiguous();
    for (std::int64_t i = 0; i < all.size(0); ++i) {
      const std::size_t k = means.size();
      std::vector<double> v(static_cast<std::size_t>(all.size(1)));
      for (std::size_t j = 0; j < v.size(); ++j) {
        v[j] = all[i][static_cast<long>(j)].item<double>() / static_cast<double>(global[k]);
      }
      if (!std::isfinite(v[0])) {
        CURVLAB_THROW(DivergenceError,
                      "training loss became " + std::string(std::isnan(v[0]) ? "NaN" : "infinite") + " at step " +
                          std::to_string(step[k]) + " (epoch " + std::to_string(epoch[k]) + ", lr " +
                          std::to_string(lr[k]) + "); the run stopped without writing a checkpoint. Lower "
                          "train.lr, add train.lr_schedule.warmup_epochs, or check the data");
      }
      means.push_back(std::move(v));
    }
  }
  // Appends the rows whose task values are known to the step table.
  void append(TrainContext& c, std::size_t task_offset) {
    std::size_t k = 0;
    for (; k < rows.size() && k < means.size(); ++k) {
      for (std::size_t j = 0; j < means[k].size(); ++j) rows[k][task_offset + j] = means[k][j];
      c.metrics.steps.append(rows[k]);
      c.loss_since_eval += means[k][0];
      ++c.steps_since_eval;
    }
    const auto drop = [k](auto& v) { v.erase(v.begin(), v.begin() + static_cast<long>(k)); };
    drop(rows), drop(means), drop(sums), drop(global), drop(step), drop(epoch), drop(lr);
  }
};

// Test-split evaluation over this rank's share, in chunks; returns the task's eval means.
std::vector<double> evaluate(TrainContext& c) {
  torch::NoGradGuard no_grad;
  c.model->eval();
  const Dataset& test = c.data.test;
  const std::int64_t n = test.size(), world = c.comm->size(), r = c.comm->rank();
  const std::int64_t begin = n * r / world, end = n * (r + 1) / world;
  torch::Tensor sums = torch::zeros({static_cast<long>(c.task->eval_columns().size())}, torch::kFloat64);
  for (std::int64_t i = begin; i < end; i += 1000) {
    const std::int64_t j = std::min(end, i + 1000);
    c.task->eval_sums(*c.model, test.inputs.slice(0, i, j), test.targets.slice(0, i, j), sums);
  }
  c.comm->allreduce({sums}, ReduceOp::kSum);
  c.model->train();
  std::vector<double> out;
  for (std::int64_t k = 0; k < sums.numel(); ++k) out.push_back(sums[k].item<double>() / static_cast<double>(n));
  return out;
}

bool stop_requested(TrainContext& c, const TrainerCallbacks& cb) {
  if (!cb.stop_requested) return false;
  return c.comm->allreduce_scalar(cb.stop_requested() ? 1.0 : 0.0, ReduceOp::kMax) > 0.5;
}

// Whether the step that ends at c.step / the epoch progress calls for an evaluation.
bool eval_due(const TrainContext& c) {
  const TrainerOptions& o = c.options;
  if (c.last_step) return true;
  if (o.eval_every_epochs > 0) {  // crossed a multiple of eval_every_epochs in this step
    const auto mark = [&](double e) { return std::floor(e / o.eval_every_epochs + 1e-9); };
    return mark(c.epoch_progress()) > mark(c.at_start.epoch);
  }
  if (o.eval_every_steps > 0) return c.step % o.eval_every_steps == 0;
  return c.epoch_end;
}

}  // namespace

Trainer::Trainer(TrainerOptions options, CommunicatorPtr comm, RunMode mode, TrainerCallbacks callbacks)
    : ctx_(std::make_unique<TrainContext>(std::move(options), std::move(comm))), mode_(mode),
      callbacks_(std::move(callbacks)) {}

Trainer::~Trainer() = default;

void Trainer::add_hook(HookFactory factory) { factories_.push_back(std::move(factory)); }

TrainResult Trainer::run() {
  TrainContext& c = *ctx_;
  c.start = Clock::now();
  build_training(c);
  for (auto& f : factories_) c.hooks.push_back(f(c));
  // Built-in hooks last: they see what the others recorded in the step.
  c.hooks.push_back(std::make_unique<CheckpointHook>());
  c.hooks.push_back(std::make_unique<MetricsHook>());
  c.hooks.push_back(std::make_unique<ProgressHook>());
  finish_step_table(c);
  for (auto& h : c.hooks) h->on_start(c);
  TrainResult result;
  if (mode_ == RunMode::kResume) {
    result.resumed = restore_checkpoint(c);
    result.resumed_from_step = c.step;
  }
  int micro = static_cast<int>(c.options.micro_batches);
  for (auto& h : c.hooks) micro = std::max(micro, h->min_micro_batches(c));
  const std::vector<std::string> task_cols = c.task->step_columns();
  const std::size_t task_offset = 2;  // step, epoch, <task columns>, lr, ...
  StepRows pending;
  c.flush_metrics = [&] {
    pending.read(c);
    pending.append(c, task_offset);
  };

  c.model->train();
  bool stopped = false;
  while (c.step < c.planned_steps) {
    if (stop_requested(c, callbacks_)) {
      stopped = true;
      break;
    }
    const auto t0 = Clock::now();
    c.at_start = c.progress_now();
    c.batch_size = c.schedule->batch_at(c.at_start);
    c.lr = lr_at_step(c.options.lr, c.at_start.epoch, c.planned_epochs, c.batch_size);
    c.optimizer->set_lr(c.lr);
    c.optimizer->set_weight_decay(
        weight_decay_at(c.options.lr.schedule, c.options.optimizer.weight_decay, c.at_start.epoch));
    c.step_values.clear();
    c.evaluated = false;
    const Batch b = c.loader->next(c.batch_size);
    c.epoch_end = b.last_in_epoch;
    c.global_size = b.global_size;
    c.last_step = c.step + 1 == c.planned_steps;
    for (auto& h : c.hooks) h->before_step(c);

    // Forward/backward on this rank's slice, in micro-batches (contiguous parts whose sizes differ
    // by at most one); the reducer turns per-rank gradients of each micro-batch's mean loss,
    // weighted by its samples / global samples, into the global-batch mean gradient.
    auto part = [&](std::int64_t k) { return b.local_size * k / micro; };
    const double global = static_cast<double>(b.global_size);
    c.reducer->prepare(static_cast<double>(part(1) - part(0)) / global, micro);
    torch::Tensor sums = torch::zeros({static_cast<long>(task_cols.size())}, torch::kFloat64);
    for (int k = 0; k < micro; ++k) {
      MicroBatch mb;
      mb.local_size = part(k + 1) - part(k);
      mb.global_size = b.global_size;
      mb.global_offset = b.offset + part(k);
      mb.index = k;
      mb.count = micro;
      if (k > 0) c.reducer->next_micro_batch(static_cast<double>(mb.local_size) / global);
      if (mb.local_size > 0) {
        const bool whole = mb.local_size == b.local_size;
        mb.inputs = whole ? b.inputs : b.inputs.narrow(0, part(k), mb.local_size);
        mb.targets = whole ? b.targets : b.targets.narrow(0, part(k), mb.local_size);
        for (auto& h : c.hooks) h->before_forward(c, mb);
        c.task->loss(*c.model, mb.inputs, mb.targets, sums).backward();
      }
      for (auto& h : c.hooks) h->after_backward(c, mb);
    }
    c.reducer->finalize();
    c.epoch_done = b.last_in_epoch;
    pending.sums.push_back(sums);
    pending.global.push_back(b.global_size);
    pending.step.push_back(c.step + 1);
    pending.epoch.push_back(c.at_start.epoch);
    pending.lr.push_back(c.lr);
    // Read every metrics_every_steps steps (default 1: before any hook sees a non-finite gradient).
    if ((c.step + 1) % c.options.metrics_every_steps == 0 || c.last_step) pending.read(c);
    for (auto& h : c.hooks) h->before_update(c);
    c.optimizer->step();
    ++c.step;

    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> row = {static_cast<double>(c.step), c.epoch_progress()};
    row.resize(task_offset + task_cols.size(), std::nan(""));
    for (double v : {c.lr, global, global / std::max(dt, 1e-9), c.wall()}) row.push_back(v);
    for (std::size_t i = row.size(); i < c.metrics.steps.columns().size(); ++i) {
      const auto it = c.step_values.find(c.metrics.steps.columns()[i]);
      row.push_back(it == c.step_values.end() ? std::nan("") : it->second);
    }
    pending.rows.push_back(std::move(row));
    pending.append(c, task_offset);
    for (auto& h : c.hooks) h->after_step(c);

    if (eval_due(c)) {
      c.flush_metrics();  // train_loss needs every step's loss
      const bool had_target = target_row(c) >= 0;
      const std::vector<double> ev = evaluate(c);
      std::vector<double> erow = {static_cast<double>(c.step), c.epoch_progress(),
                                  c.steps_since_eval > 0 ? c.loss_since_eval / static_cast<double>(c.steps_since_eval)
                                                         : std::nan("")};
      erow.insert(erow.end(), ev.begin(), ev.end());
      erow.push_back(c.wall());
      c.metrics.evals.append(erow);
      c.loss_since_eval = 0;
      c.steps_since_eval = 0;
      c.evaluated = true;
      for (auto& h : c.hooks) h->at_evaluation(c);
      if (!had_target && target_row(c) >= 0) {
        const TrainerOptions& o = c.options;
        char v[32];
        std::snprintf(v, sizeof v, "%g", o.target_value);
        c.message("target " + o.target_metric + (c.task->higher_is_better(o.target_metric) ? " >= " : " <= ") + v +
                  " reached at step " + std::to_string(c.step) +
                  (o.stop_at_target ? "; stopping (train.stop_at_target)" : ""));
        if (o.stop_at_target) c.last_step = true;
      }
    }
    for (auto& h : c.hooks) h->end_of_step(c);
    if (c.is_root() && callbacks_.after_step) callbacks_.after_step(c.step);
    if (c.last_step) break;
  }
  c.flush_metrics();
  for (auto& h : c.hooks) h->on_finish(c, stopped);
  c.flush_metrics = nullptr;
  return train_result(c, result, stopped);
}

}  // namespace curvlab
