// The "hessian" job kind: checkpoint -> model (rebuilt from the checkpoint's own job unless the
// hessian job overrides [model]/[data]) -> this rank's share of the samples -> HVP operator ->
// traces, eigenvalues, density (algorithms/hessian) and HAWQ-V2 (algorithms/quant) ->
// <output_dir>/hessian.h5, plots, and a summary on stdout. Layout and options: docs/hessian.md.
#include <torch/torch.h>

#include <cstdio>
#include <optional>

#include "algorithms/hessian/analysis.h"
#include "algorithms/quant/hawq_report.h"
#include "base/error.h"
#include "base/run_dir.h"
#include "base/version.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/dataset.h"
#include "engine/task.h"
#include "jobs/hessian/checkpoint_model.h"
#include "jobs/hessian/hessian_plots.h"
#include "jobs/hessian/hessian_sections.h"
#include "jobs/job_kinds.h"
#include "jobs/run/run_setup.h"

namespace curvlab {
namespace {

// (mean loss, accuracy) on samples [0, n) of `data`, split across ranks; eval mode, no grad.
std::pair<double, double> evaluate(Task& task, const Net& model, const Dataset& data, std::int64_t n,
                                   const CommunicatorPtr& comm) {
  torch::NoGradGuard no_grad;
  model->eval();
  const std::int64_t w = comm->size(), r = comm->rank();
  const std::int64_t lo = n * r / w, hi = n * (r + 1) / w;
  torch::Tensor sums = torch::zeros({2}, torch::kFloat64);
  for (std::int64_t i = lo; i < hi; i += 1000) {
    const std::int64_t j = std::min(hi, i + 1000);
    task.eval_sums(*model, data.inputs.slice(0, i, j), data.targets.slice(0, i, j), sums);
  }
  comm->allreduce({sums}, ReduceOp::kSum);
  return {sums[0].item<double>() / static_cast<double>(n), sums[1].item<double>() / static_cast<double>(n)};
}

void print_summary(const HessianReport& r, const std::string& checkpoint) {
  std::printf("hessian of the mean loss over %lld samples, %lld parameters (checkpoint %s): loss %.5f, |grad| %.4e\n",
              static_cast<long long>(r.samples), static_cast<long long>(r.params), checkpoint.c_str(), r.loss,
              r.grad_norm);
  if (r.trace) {
    const TraceResult& t = *r.trace;
    std::printf("trace: %.6g +- %.2g (SE, %lld probes, %lld HVPs, %s, %.2f s)\n", t.total.mean, t.total.se,
                static_cast<long long>(t.samples), static_cast<long long>(t.hvps),
                t.converged ? "converged" : "max_samples reached", r.seconds_trace);
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
      std::printf("  %-24s %10lld params  trace %12.6g +- %.2g\n", r.layers[i].name.c_str(),
                  static_cast<long long>(r.layers[i].numel), r.layer_trace(i).mean, r.layer_trace(i).se);
    }
  }
  if (r.eigen) {
    std::printf("top eigenvalues (%lld HVPs, %.2f s):", static_cast<long long>(r.eigen->hvps), r.seconds_eigen);
    for (std::size_t i = 0; i < r.eigen->values.size(); ++i) {
      std::printf(" %.6g (res %.1e)", r.eigen->values[i], r.eigen->residuals[i]);
    }
    std::printf("\n");
    for (std::size_t i = 0; i < r.layer_eigen.size(); ++i) {
      std::printf("  %-24s top eigenvalue %.6g\n", r.layers[i].name.c_str(), r.layer_eigen[i].values.front());
    }
  }
  if (r.density) {
    std::printf("density: %lld runs x %lld steps (%lld HVPs, %.2f s), sigma %.3g, first moment %.6g (trace/n)\n",
                static_cast<long long>(r.density->nodes.size(0)), static_cast<long long>(r.density->nodes.size(1)),
                static_cast<long long>(r.density->hvps), r.seconds_density, r.density->sigma, r.density->first_moment);
  }
}

int run_hessian_job(const JobSpec& spec, const RunOptions& options) {
  // A hessian job always starts over in its directory (--resume means: replace the old results).
  const RunMode mode = options.mode == RunMode::kResume ? RunMode::kForce : options.mode;
  check_run_dir(spec.job.output_dir, mode);
  const std::string checkpoint = resolve_checkpoint(spec.hessian.checkpoint, spec, "hessian.checkpoint");
  RunSetup setup = start_run(spec);
  const CommunicatorPtr& comm = setup.comm;
  const bool root = setup.root();
  const RunPaths& paths = setup.paths;
  return run_guarded(setup, options, [&] {
    open_run_dir(spec, setup, mode, options.quiet, ", checkpoint " + checkpoint);
    // The train job that wrote the checkpoint gives [model] and [data] unless this job sets its own.
    const CheckpointModel loaded = load_checkpoint_model(checkpoint, &spec);
    const DataSplits& data = loaded.data;
    Net model = loaded.model;
    const Dataset& split = spec.hessian.split == DataSplit::kTest ? data.test : data.train;
    const std::string& split_name = split_names().name(spec.hessian.split);
    const std::int64_t n = spec.hessian.samples > 0 ? spec.hessian.samples : split.size();
    CURVLAB_CHECK(n <= split.size(), ConfigError,
                  spec.where("hessian.samples").str() + ": hessian.samples (" + std::to_string(n) + ") is larger than the " +
                      split_name + " split (" + std::to_string(split.size()) + " samples)");
    const std::int64_t w = comm->size(), r = comm->rank();
    const std::int64_t lo = n * r / w, hi = n * (r + 1) / w;
    HvpOptions ho;
    ho.chunk_size = spec.hessian.batch_size;
    ho.train_mode = spec.hessian.model_mode == ModelMode::kTrain;
    ho.cache_graph = spec.hessian.cache_graph;
    ho.bucket_mb = spec.comm.bucket_mb;
    HvpOperator op(model, split.inputs.slice(0, lo, hi), split.targets.slice(0, lo, hi), n, comm, ho);
    std::unique_ptr<HvpOperator> local_op;
    if (spec.hessian.trace_parallel == TraceParallel::kSamples && spec.hessian.trace) {
      local_op = std::make_unique<HvpOperator>(model, split.inputs.slice(0, 0, n), split.targets.slice(0, 0, n), n,
                                               nullptr, ho);
    }
    HessianReport report = analyze_hessian(op, local_op.get(), spec.hessian, spec.job.seed, comm);
    report.samples = n;

    std::optional<HawqReport> hawq;
    if (spec.hessian.hawq) {
      const std::int64_t ne = spec.quant.eval_samples > 0 ? std::min(spec.quant.eval_samples, data.test.size())
                                                           : data.test.size();
      const TaskPtr task = make_task("classification");  // HAWQ-V2 reports accuracy
      hawq = run_hawq(model, report, spec.quant, [&] { return evaluate(*task, model, data.test, ne, comm); });
    }

    if (root) {
      const std::string results = paths.dir + "/hessian.h5";
      const std::map<std::string, std::string> out_attrs = {
          {"job_text", spec.source_text}, {"checkpoint", checkpoint}, {"curvlab_version", CURVLAB_VERSION},
          {"kind", "hessian"}, {"world_size", std::to_string(comm->size())}};
      write_state_file(results, [&](StateWriter& sw) {
        save_hessian_report(report, sw, "");
        sw.write_string("info/checkpoint", checkpoint);
        sw.write_string("info/split", split_name);
        sw.write_string("info/model_mode", model_mode_names().name(spec.hessian.model_mode));
        sw.write_string("info/trace_parallel", trace_parallel_names().name(spec.hessian.trace_parallel));
        sw.write_string("info/eigen_method", eigen_method_names().name(spec.hessian.eigen_method));
        sw.write_int("info/world_size", comm->size());
        if (hawq) save_hawq_report(*hawq, sw, "hawq");
      }, out_attrs);
      print_summary(report, checkpoint);
      if (hawq) std::printf("%s", format_hawq_table(*hawq).c_str());
      bool plotted = false;
      if (spec.hessian.plots) plotted = write_hessian_plots(report, paths.dir + "/plots");
      std::printf("results: %s%s\n", results.c_str(), plotted ? (" ; plots: " + paths.dir + "/plots/*.png, *.svg").c_str() : "");
      write_text_atomic(paths.status, "done\n");
    }
    comm->barrier();
    return 0;
  });
}

}  // namespace

JobKind hessian_job_kind() {
  return {"hessian", {{"hessian", read_hessian_section}, {"quant", read_quant_section}}, check_hessian_rules, run_hessian_job,
          "Hessian analysis of a checkpoint (trace, eigenvalues, density, HAWQ-V2)"};
}

}  // namespace curvlab
