// Top-eigenvalue (and trace) tracking at training-time evaluations.
#include "algorithms/hessian/tracker.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "algorithms/hessian/eigen.h"
#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/plots.h"
#include "engine/seeding.h"

namespace curvlab {

bool CurvatureTracker::enabled(const JobSpec& spec) {
  return spec.hessian.track_every_epochs > 0 || spec.hessian.track_every_steps > 0;
}

CurvatureTracker::CurvatureTracker(const JobSpec& spec, CommunicatorPtr comm)
    : spec_(spec), comm_(std::move(comm)), csv_(spec.job.output_dir + "/hessian_tracking.csv") {}

void CurvatureTracker::on_eval(const Net& model, const Dataset& train, std::int64_t step, double epoch) {
  const HessianSpec& h = spec_.hessian;
  const bool due = h.track_every_steps > 0 ? step - last_step_ >= h.track_every_steps
                                           : epoch - last_epoch_ >= static_cast<double>(h.track_every_epochs) - 1e-9;
  if (!due) return;
  last_step_ = step;
  last_epoch_ = epoch;
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t n = h.samples > 0 ? std::min(h.samples, train.size()) : train.size();
  const std::int64_t w = comm_->size(), r = comm_->rank();
  const std::int64_t lo = n * r / w, hi = n * (r + 1) / w;
  HvpOptions o;
  o.chunk_size = h.batch_size;
  o.train_mode = h.model_mode == "train";
  o.cache_graph = h.cache_graph;
  o.bucket_mb = spec_.comm.bucket_mb;
  HvpOperator op(model, train.inputs.slice(0, lo, hi), train.targets.slice(0, lo, hi), n, comm_, o);
  const LinearOperator lin{op.dim(), [&op](const torch::Tensor& v) { return op.apply(v); }};
  EigenOptions eo;
  eo.k = std::min(h.top_k, op.dim());
  eo.tol = h.eigen_tol;
  eo.max_iter = h.eigen_max_iter;
  eo.seed = derive_seed(spec_.job.seed, "hessian_track", static_cast<std::uint64_t>(step));
  const EigenResult e = h.eigen_method == "power" ? power_iteration(lin, eo) : lanczos_top(lin, eo);
  TraceResult t;
  if (h.trace) {
    TraceOptions to;
    to.tol = h.trace_tol;
    to.min_samples = h.trace_min_samples;
    to.max_samples = h.trace_max_samples;
    to.seed = derive_seed(spec_.job.seed, "hessian_track_trace", static_cast<std::uint64_t>(step));
    t = hutchinson_trace(lin, {}, to);
  }
  model->train();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r != 0) return;
  const bool fresh = !std::filesystem::exists(csv_);
  std::ofstream out(csv_, std::ios::app);
  if (fresh) out << "step,epoch,top_eigenvalue,residual,trace,trace_se,hvps,seconds\n";
  char line[512];
  std::snprintf(line, sizeof(line), "%lld,%.6f,%.10g,%.3g,%.10g,%.3g,%lld,%.3f\n", static_cast<long long>(step), epoch,
                e.values.front(), e.residuals.front(), h.trace ? t.total.mean : std::nan(""),
                h.trace ? t.total.se : std::nan(""), static_cast<long long>(op.hvp_count()), seconds);
  out << line;
  out.close();
  if (h.plots) {
    const std::string dir = spec_.job.output_dir + "/plots";
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(csv_, dir + "/hessian_tracking.csv", std::filesystem::copy_options::overwrite_existing);
    write_tracking_plot(dir + "/hessian_tracking.csv", dir);
  }
}

}  // namespace curvlab
