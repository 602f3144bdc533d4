// Top-eigenvalue (and trace) tracking at training-time evaluations (see curvature_hook.h).
#include "engine/hooks/curvature_hook.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "algorithms/hessian/eigen.h"
#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/hvp.h"
#include "base/gnuplot_script.h"
#include "base/run_dir.h"
#include "base/seeding.h"
#include "engine/train_context.h"

namespace curvlab {

CurvatureHook::CurvatureHook(const HessianOptions& options, double bucket_mb, TrainContext& c)
    : h_(options), bucket_mb_(bucket_mb),
      table_(&c.metrics.add_table("hessian_tracking", "hessian_tracking.csv",
                                  {"step", "epoch", "top_eigenvalue", "residual", "trace", "trace_se", "hvps",
                                   "seconds"})) {}

void CurvatureHook::load_state(TrainContext& c, const StateReader& in) {
  if (table_->rows() == 0) return;  // metrics (this table too) were restored before the hooks
  last_step_ = static_cast<std::int64_t>(table_->column("step").back());
  last_epoch_ = table_->column("epoch").back();
}

void CurvatureHook::at_evaluation(TrainContext& c) {
  const std::int64_t step = c.step;
  const double epoch = c.epoch_progress();
  const bool due = h_.track_every_steps > 0 ? step - last_step_ >= h_.track_every_steps
                                            : epoch - last_epoch_ >= static_cast<double>(h_.track_every_epochs) - 1e-9;
  if (!due) return;
  last_step_ = step;
  last_epoch_ = epoch;
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset& train = c.data.train;
  const std::int64_t n = h_.samples > 0 ? std::min(h_.samples, train.size()) : train.size();
  const std::int64_t w = c.comm->size(), r = c.comm->rank();
  const std::int64_t lo = n * r / w, hi = n * (r + 1) / w;
  HvpOptions o;
  o.chunk_size = h_.batch_size;
  o.train_mode = h_.model_mode == ModelMode::kTrain;
  o.cache_graph = h_.cache_graph;
  o.bucket_mb = bucket_mb_;
  HvpOperator op(c.model, train.inputs.slice(0, lo, hi), train.targets.slice(0, lo, hi), n, c.comm, o);
  const LinearOperator lin{op.dim(), [&op](const torch::Tensor& v) { return op.apply(v); }};
  EigenOptions eo;
  eo.k = std::min(h_.top_k, op.dim());
  eo.tol = h_.eigen_tol;
  eo.max_iter = h_.eigen_max_iter;
  eo.seed = derive_seed(c.options.seed, "hessian_track", static_cast<std::uint64_t>(step));
  const EigenResult e = h_.eigen_method == EigenMethod::kPower ? power_iteration(lin, eo) : lanczos_top(lin, eo);
  TraceResult t;
  if (h_.trace) {
    TraceOptions to;
    to.tol = h_.trace_tol;
    to.min_samples = h_.trace_min_samples;
    to.max_samples = h_.trace_max_samples;
    to.seed = derive_seed(c.options.seed, "hessian_track_trace", static_cast<std::uint64_t>(step));
    t = hutchinson_trace(lin, {}, to);
  }
  c.model->train();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  table_->append({static_cast<double>(step), epoch, e.values.front(), e.residuals.front(),
                  h_.trace ? t.total.mean : std::nan(""), h_.trace ? t.total.se : std::nan(""),
                  static_cast<double>(op.hvp_count()), seconds});
  if (!h_.plots || !c.is_root()) return;
  const std::string dir = c.paths.dir + "/plots";
  std::filesystem::create_directories(dir);
  write_text_atomic(dir + "/hessian_tracking.csv", table_->to_csv());
  GnuplotScript gp("Top Hessian eigenvalue over training");
  gp.add_plot("eigenvalue_tracking",
              "set datafile separator ','\nset key autotitle columnhead\n"
              "set title 'Top Hessian eigenvalue during training'\nset xlabel 'epoch'\nset ylabel 'eigenvalue'\n"
              "plot 'hessian_tracking.csv' using 2:3 with linespoints lw 2 title 'top eigenvalue'\n");
  run_gnuplot_script(gp, dir, "eigenvalue_tracking.gp");
}

}  // namespace curvlab
