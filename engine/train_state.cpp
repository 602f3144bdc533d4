// Checkpoints and the results file of a training run (see train_state.h).
#include "engine/train_state.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/train_build.h"

namespace curvlab {
namespace {

// Parameters and buffers under their PyTorch state_dict keys.
std::vector<std::pair<std::string, torch::Tensor>> state_dict(torch::nn::Module& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace_back(b.key(), b.value());
  return out;
}

void save_all(const TrainContext& c, StateWriter& w) {
  for (const auto& [name, t] : state_dict(*c.model)) w.write_tensor("model/" + name, t.detach());
  c.optimizer->save_state(w, "optimizer");
  w.write_int("trainer/step", c.step);
  c.loader->save_state(w, "trainer");  // trainer/epoch, trainer/position, trainer/size
  w.write_int("trainer/world_size", c.comm->size());
  w.write_double("trainer/loss_since_eval", c.loss_since_eval);
  w.write_int("trainer/steps_since_eval", c.steps_since_eval);
  w.write_int("trainer/epoch_done", c.epoch_done ? 1 : 0);
  w.write_double("trainer/wall_time", c.wall());
  w.write_int("rng/seed", static_cast<std::int64_t>(c.options.seed));
  c.metrics.save_state(w, "metrics");
  for (const auto& h : c.hooks) h->save_state(c, w);
}

}  // namespace

void save_checkpoint(TrainContext& c) {
  c.flush_metrics();
  // No checkpoint may hold a non-finite parameter.
  for (const auto& [name, p] : c.params) {
    if (!torch::isfinite(p).all().item<bool>()) {
      CURVLAB_THROW(DivergenceError, "parameter '" + name + "' is not finite at step " + std::to_string(c.step) +
                                       "; no checkpoint written. Lower train.lr or add warmup");
    }
  }
  // Every rank's CPU generator state is gathered to rank 0 (same size on every rank).
  const torch::Tensor rng = at::detail::getDefaultCPUGenerator().get_state();
  const std::vector<torch::Tensor> rngs = c.comm->allgather(rng);
  for (auto& h : c.hooks) h->before_checkpoint(c);
  if (c.is_root()) {
    Checkpointer checkpointer(c.paths.checkpoints, c.options.keep_last);
    c.last_checkpoint = checkpointer.save(c.step, [&](StateWriter& w) {
      save_all(c, w);
      for (std::size_t r = 0; r < rngs.size(); ++r) w.write_tensor("rng/torch_cpu/rank_" + std::to_string(r), rngs[r]);
    }, c.file_attributes("checkpoint"));
    write_results(c);
  }
  c.comm->barrier();
}

void write_results(const TrainContext& c) {
  write_state_file(c.paths.results, [&](StateWriter& w) {
    c.metrics.save_state(w, "metrics");
    w.write_int("summary/steps", c.step);
    w.write_int("summary/world_size", c.comm->size());
    w.write_double("summary/wall_time", c.wall());
    const MetricTable& e = c.metrics.evals;
    if (e.rows() > 0) {
      for (const auto& col : c.task->eval_columns()) w.write_double("summary/" + col, e.column(col).back());
    }
    const TrainerOptions& o = c.options;
    if (!o.target_metric.empty()) {
      const std::int64_t row = target_row(c);
      const auto at = [&](const char* col) {
        return row >= 0 ? e.column(col)[static_cast<std::size_t>(row)] : std::nan("");
      };
      w.write_string("summary/target_metric", o.target_metric);
      w.write_double("summary/target_value", o.target_value);
      w.write_int("summary/target_reached", row >= 0 ? 1 : 0);
      w.write_double("summary/target_step", at("step"));
      w.write_double("summary/target_epoch", at("epoch"));
      w.write_double("summary/target_wall_time", at("wall_time"));
    }
    for (const auto& h : c.hooks) h->save_results(c, w);
  }, c.file_attributes("results"));
}

bool restore_checkpoint(TrainContext& c) {
  Checkpointer checkpointer(c.paths.checkpoints, c.options.keep_last);
  auto latest = checkpointer.latest_valid();
  if (!latest) {
    if (c.is_root()) {
      std::fprintf(stderr, "resume: no valid checkpoint in %s; starting from step 0\n", c.paths.checkpoints.c_str());
    }
    return false;
  }
  auto in = open_state_file(*latest);
  {
    torch::NoGradGuard no_grad;
    for (auto& [name, t] : state_dict(*c.model)) {
      torch::Tensor v = in->read_tensor("model/" + name);
      CURVLAB_CHECK(v.sizes() == t.sizes(), IoError,
                    *latest + ": model/" + name + " has shape " + c10::str(v.sizes()) + " but the job's model has " +
                        c10::str(t.sizes()) + "; resume with the same [model] section");
      t.copy_(v);
    }
  }
  c.optimizer->load_state(*in, "optimizer");
  c.step = in->read_int("trainer/step");
  c.loader->load_state(*in, "trainer");
  c.loss_since_eval = in->read_double("trainer/loss_since_eval");
  c.steps_since_eval = in->read_int("trainer/steps_since_eval");
  c.epoch_done = in->has("trainer/epoch_done") && in->read_int("trainer/epoch_done") != 0;
  c.wall_offset = in->read_double("trainer/wall_time");
  c.metrics.load_state(*in, "metrics");
  const std::string my_rng = "rng/torch_cpu/rank_" + std::to_string(c.comm->rank());
  if (in->has(my_rng)) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(in->read_tensor(my_rng));
  }
  c.last_checkpoint = *latest;
  broadcast_model(c);
  for (auto& h : c.hooks) h->load_state(c, *in);
  c.message("resumed from " + c.last_checkpoint + " at step " + std::to_string(c.step));
  return true;
}

}  // namespace curvlab
