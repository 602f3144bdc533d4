// Hessian benchmark on a train job's checkpoint, timing while checking:
//   1. one HVP vs one gradient on the same samples (forward + backward): HVP without the cached
//      graph (forward + double backward) and with it (one backward through the gradient graph);
//      check: symmetry |u.Hv - v.Hu| / |u.Hv|.
//   2. Hutchinson trace with P probes (no early stop) and power iteration (top eigenvalue, I
//      iterations, no early stop): time and estimates; with W ranks (mpirun) the samples are
//      split across ranks (data-parallel), so running with -np 1 and -np 2 gives the speedup.
//   3. with DUMP: rank 0 writes the samples used, the estimates and times to DUMP (HDF5) for
//      bench/hessian_reference.py (the same computation in PyTorch-Python on the same weights).
// time = best of 3 (gradient, HVP) or one run (trace incl. building the gradient graph, power
// iteration); the max over ranks; threads per rank = T.
//
// Run: [mpirun -np W] build/bench/bench_hessian CHECKPOINT [samples=1000] [probes=20] [iters=20] [threads=1]
//        [DUMP|-] [chunk=0]   (positional; "-" = no dump; chunk 0 = all of a rank's samples; --help)
#include "bench_args.h"
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "algorithms/hessian/eigen.h"
#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/hvp.h"
#include "cluster/launch_context.h"
#include "comm/factory.h"
#include "base/blas_threads.h"
#include "engine/checkpoint/checkpointer.h"
#include "base/error.h"
#include "jobs/hessian/checkpoint_model.h"

namespace {
using namespace curvlab;
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

template <typename F>
double best_of(int reps, const CommunicatorPtr& comm, F f) {
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    comm->barrier();
    const auto t0 = Clock::now();
    f();
    best = std::min(best, comm->allreduce_scalar(seconds(t0), ReduceOp::kMax));
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  std::string ckpt, dump_arg = "-";
  std::int64_t samples = 1000, probes = 20, iters = 20, chunk = 0;
  int threads = 1;
  CLI::App app{"Hessian benchmark on a train job's checkpoint: HVP vs gradient cost, Hutchinson trace and power "
               "iteration, each checked while timed. Run alone or under mpirun (samples split across ranks).",
               "bench_hessian"};
  app.add_option("CHECKPOINT", ckpt, "A checkpoint file, or a run directory (its latest valid checkpoint)")->required();
  app.add_option("samples", samples, "The first N training samples")
      ->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("probes", probes, "Hutchinson probes (no early stop)")
      ->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("iters", iters, "Power iterations (no early stop)")
      ->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("threads", threads, "Torch threads per rank")
      ->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("DUMP", dump_arg, "HDF5 file for bench/hessian_reference.py (rank 0 writes it); - = none")
      ->capture_default_str();
  app.add_option("chunk", chunk, "Samples per forward/backward on one rank; 0 = all of a rank's samples")
      ->check(curvlab_bench::positive(true))->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    const std::string dump = dump_arg == "-" ? "" : dump_arg;
    torch::set_num_threads(threads);
    set_openblas_threads(1);  // as the hessian runner does (base/blas_threads.h)
    CommOptions cs;
    CommunicatorPtr comm = make_communicator(cs, detect_launch_context().info(), false);
    const bool root = comm->rank() == 0;
    JobSpec none;
    const std::string path = resolve_checkpoint(ckpt, none, "checkpoint");
    CheckpointModel cm = load_checkpoint_model(path, nullptr);
    const Dataset& train = cm.data.train;
    const std::int64_t n = std::min(samples, train.size());
    const std::int64_t w = comm->size(), r = comm->rank();
    const std::int64_t lo = n * r / w, hi = n * (r + 1) / w;
    const torch::Tensor x = train.inputs.slice(0, lo, hi), y = train.targets.slice(0, lo, hi);
    HvpOptions o;
    o.chunk_size = chunk > 0 ? chunk : n;  // default: one chunk per rank, as PyHessian's single-batch mode
    HvpOperator cached(cm.model, x, y, n, comm, o);
    o.cache_graph = false;
    HvpOperator fresh(cm.model, x, y, n, comm, o);
    const std::int64_t P = cached.dim();
    if (root) {
      std::printf("bench_hessian: %s, %s, %lld parameters, %lld samples on %lld rank(s), %d thread(s) per rank, "
                  "chunks of %lld samples\n",
                  path.c_str(), cm.model_spec.name.c_str(), static_cast<long long>(P), static_cast<long long>(n),
                  static_cast<long long>(w), threads, static_cast<long long>(o.chunk_size));
    }
    const torch::Tensor u = rademacher(P, 1), v = rademacher(P, 2);
    cached.apply(v);  // builds the cached graph
    const double t_grad = best_of(3, comm, [&] { cached.gradient(); });
    const double t_hvp = best_of(3, comm, [&] { fresh.apply(v); });
    const double t_hvp_cached = best_of(3, comm, [&] { cached.apply(v); });
    const double uhv = torch::dot(u, cached.apply(v)).item<double>();
    const double vhu = torch::dot(v, cached.apply(u)).item<double>();
    const double asym = std::fabs(uhv - vhu) / std::max(1e-30, std::fabs(uhv));
    if (root) {
      std::printf("%-28s %10s %8s\n", "operation", "time (s)", "x grad");
      std::printf("%-28s %10.4f %8.2f\n", "gradient (fwd+bwd)", t_grad, 1.0);
      std::printf("%-28s %10.4f %8.2f\n", "HVP (fwd+double bwd)", t_hvp, t_hvp / t_grad);
      std::printf("%-28s %10.4f %8.2f\n", "HVP (cached graph)", t_hvp_cached, t_hvp_cached / t_grad);
      std::printf("check: |u.Hv - v.Hu| / |u.Hv| = %.2e (%s)\n", asym, asym < 1e-3 ? "ok" : "WRONG");
    }
    // Timed from scratch (a new operator, so building the gradient graph is included), as the
    // Python reference does.
    o.cache_graph = true;
    std::unique_ptr<HvpOperator> tracer;
    const LinearOperator op{P, [&](const torch::Tensor& z) { return tracer->apply(z); }};
    TraceOptions to;
    to.tol = 0;
    to.max_samples = probes;
    to.seed = 0;
    comm->barrier();
    auto t0 = Clock::now();
    tracer = std::make_unique<HvpOperator>(cm.model, x, y, n, comm, o);
    const TraceResult tr = hutchinson_trace(op, {}, to);
    const double t_trace = comm->allreduce_scalar(seconds(t0), ReduceOp::kMax);
    EigenOptions eo;
    eo.k = 1;
    eo.tol = 0;
    eo.max_iter = iters;
    eo.seed = 0;
    comm->barrier();
    t0 = Clock::now();
    const EigenResult er = power_iteration(op, eo);
    const double t_power = comm->allreduce_scalar(seconds(t0), ReduceOp::kMax);
    if (root) {
      std::printf("hutchinson: %lld probes in %.3f s (%.4f s/probe): trace %.6g +- %.2g\n",
                  static_cast<long long>(probes), t_trace, t_trace / static_cast<double>(probes), tr.total.mean,
                  tr.total.se);
      std::printf("power iteration: %lld iterations in %.3f s: top eigenvalue %.6g (residual %.2e)\n",
                  static_cast<long long>(er.hvps), t_power, er.values[0], er.residuals[0]);
    }
    if (root && !dump.empty()) {
      write_state_file(dump, [&](StateWriter& sw) {
        sw.write_tensor("inputs", train.inputs.slice(0, 0, n));
        sw.write_tensor("targets", train.targets.slice(0, 0, n));
        sw.write_tensor("per_probe", torch::tensor(tr.per_probe, torch::kFloat64));
        sw.write_double("trace", tr.total.mean);
        sw.write_double("top_eigenvalue", er.values[0]);
        sw.write_int("power_iters", er.hvps);
        sw.write_double("time_trace", t_trace);
        sw.write_double("time_power", t_power);
        sw.write_double("time_grad", t_grad);
        sw.write_double("time_hvp_cached", t_hvp_cached);
        sw.write_int("threads", threads);
        sw.write_string("checkpoint", path);
        sw.write_string("model", cm.model_spec.name);
        sw.write_int("num_classes", cm.data.num_classes);
      }, {{"kind", "bench_hessian"}});
      std::printf("dump: %s\n", dump.c_str());
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  }
}
