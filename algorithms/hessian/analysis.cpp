// Runs the requested estimators on one HVP operator and saves their results.
#include "algorithms/hessian/analysis.h"

#include <torch/torch.h>

#include <chrono>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {

const EnumNames<DataSplit>& split_names() {
  static const EnumNames<DataSplit> names = {{DataSplit::kTrain, "train"}, {DataSplit::kTest, "test"}};
  return names;
}
const EnumNames<ModelMode>& model_mode_names() {
  static const EnumNames<ModelMode> names = {{ModelMode::kEval, "eval"}, {ModelMode::kTrain, "train"}};
  return names;
}
const EnumNames<TraceParallel>& trace_parallel_names() {
  static const EnumNames<TraceParallel> names = {{TraceParallel::kData, "data"}, {TraceParallel::kSamples, "samples"}};
  return names;
}
const EnumNames<EigenMethod>& eigen_method_names() {
  static const EnumNames<EigenMethod> names = {{EigenMethod::kLanczos, "lanczos"}, {EigenMethod::kPower, "power"}};
  return names;
}
namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
LinearOperator as_operator(HvpOperator& hvp) {
  return {hvp.dim(), [&hvp](const torch::Tensor& v) { return hvp.apply(v); }};
}
torch::Tensor to_tensor(const std::vector<double>& v) {
  return torch::tensor(v.empty() ? std::vector<double>{} : v, torch::kFloat64);
}
std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : "\n") + n;
  return s;
}
void save_eigen(const EigenResult& e, StateWriter& w, const std::string& p, bool vectors) {
  w.write_tensor(p + "/values", to_tensor(e.values));
  w.write_tensor(p + "/residuals", to_tensor(e.residuals));
  w.write_int(p + "/hvps", e.hvps);
  w.write_int(p + "/converged", e.converged ? 1 : 0);
  if (vectors && !e.vectors.empty()) w.write_tensor(p + "/vectors", torch::stack(e.vectors).to(torch::kFloat32));
}
}  // namespace

HessianReport analyze_hessian(HvpOperator& op, HvpOperator* local_op, const HessianOptions& spec, std::uint64_t seed,
                              const CommunicatorPtr& comm) {
  HessianReport r;
  r.params = op.dim();
  r.layers = op.groups();
  for (const auto& [name, t] : op.params()) {
    r.param_names.push_back(name);
    r.param_numel.push_back(t.numel());
  }
  const torch::Tensor g = op.gradient();
  r.loss = op.loss();
  r.grad_norm = g.norm().item<double>();

  if (spec.trace) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::pair<std::int64_t, std::int64_t>> blocks;
    for (const auto& l : r.layers) blocks.emplace_back(l.offset, l.numel);
    std::int64_t off = 0;
    for (std::int64_t n : r.param_numel) {
      blocks.emplace_back(off, n);
      off += n;
    }
    TraceOptions o;
    o.tol = spec.trace_tol;
    o.min_samples = spec.trace_min_samples;
    o.max_samples = spec.trace_max_samples;
    o.seed = derive_seed(seed, "hessian_trace");
    if (spec.trace_parallel == TraceParallel::kSamples) {
      CURVLAB_CHECK(local_op != nullptr, ConfigError, "sample-parallel traces need the whole sample set on every rank");
      r.trace = hutchinson_trace(as_operator(*local_op), blocks, o, comm);
    } else {
      r.trace = hutchinson_trace(as_operator(op), blocks, o, nullptr);
    }
    r.seconds_trace = seconds_since(t0);
  }
  if (spec.eigenvalues) {
    const auto t0 = std::chrono::steady_clock::now();
    EigenOptions o;
    o.k = std::min(spec.top_k, op.dim());
    o.tol = spec.eigen_tol;
    o.max_iter = spec.eigen_max_iter;
    o.seed = derive_seed(seed, "hessian_eigen");
    auto run = [&](const LinearOperator& lin, EigenOptions eo) {
      eo.k = std::min(eo.k, lin.dim);
      return spec.eigen_method == EigenMethod::kPower ? power_iteration(lin, eo) : lanczos_top(lin, eo);
    };
    const LinearOperator full = as_operator(op);
    r.eigen = run(full, o);
    if (spec.per_layer) {
      for (std::size_t i = 0; i < r.layers.size(); ++i) {
        EigenOptions lo = o;
        lo.seed = derive_seed(seed, "hessian_eigen_layer", i);
        r.layer_eigen.push_back(run(restrict_to_block(full, r.layers[i].offset, r.layers[i].numel), lo));
      }
    }
    r.seconds_eigen = seconds_since(t0);
  }
  if (spec.density) {
    const auto t0 = std::chrono::steady_clock::now();
    SlqOptions o;
    o.runs = spec.slq_runs;
    o.steps = spec.slq_steps;
    o.sigma = spec.slq_sigma;
    o.grid_points = spec.density_points;
    o.seed = derive_seed(seed, "hessian_slq");
    r.density = slq_density(as_operator(op), o);
    r.seconds_density = seconds_since(t0);
  }
  return r;
}

void save_hessian_report(const HessianReport& r, StateWriter& w, const std::string& prefix) {
  const std::string p = prefix.empty() ? "" : prefix + "/";
  w.write_int(p + "info/samples", r.samples);
  w.write_int(p + "info/params", r.params);
  w.write_double(p + "info/loss", r.loss);
  w.write_double(p + "info/grad_norm", r.grad_norm);
  std::vector<std::string> layer_names;
  std::vector<double> layer_numel;
  for (const auto& l : r.layers) {
    layer_names.push_back(l.name);
    layer_numel.push_back(static_cast<double>(l.numel));
  }
  w.write_string(p + "layers/names", joined(layer_names));
  w.write_tensor(p + "layers/numel", to_tensor(layer_numel).to(torch::kInt64));
  w.write_string(p + "params/names", joined(r.param_names));
  w.write_tensor(p + "params/numel", torch::tensor(r.param_numel, torch::kInt64));
  if (r.trace) {
    const TraceResult& t = *r.trace;
    w.write_double(p + "trace/total", t.total.mean);
    w.write_double(p + "trace/total_se", t.total.se);
    w.write_int(p + "trace/samples", t.samples);
    w.write_int(p + "trace/hvps", t.hvps);
    w.write_int(p + "trace/converged", t.converged ? 1 : 0);
    w.write_double(p + "trace/seconds", r.seconds_trace);
    w.write_tensor(p + "trace/per_probe", to_tensor(t.per_probe));
    w.write_tensor(p + "trace/running_mean", to_tensor(t.running_mean));
    w.write_tensor(p + "trace/running_se", to_tensor(t.running_se));
    std::vector<double> lm, ls, pm, ps;
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
      lm.push_back(r.layer_trace(i).mean);
      ls.push_back(r.layer_trace(i).se);
    }
    for (std::size_t i = 0; i < r.param_names.size(); ++i) {
      pm.push_back(r.param_trace(i).mean);
      ps.push_back(r.param_trace(i).se);
    }
    w.write_tensor(p + "trace/layers", to_tensor(lm));
    w.write_tensor(p + "trace/layers_se", to_tensor(ls));
    w.write_tensor(p + "trace/params", to_tensor(pm));
    w.write_tensor(p + "trace/params_se", to_tensor(ps));
  }
  if (r.eigen) {
    save_eigen(*r.eigen, w, p + "eigen", /*vectors=*/true);
    w.write_double(p + "eigen/seconds", r.seconds_eigen);
    for (std::size_t i = 0; i < r.layer_eigen.size(); ++i) {
      save_eigen(r.layer_eigen[i], w, p + "eigen/layers/" + std::to_string(i), /*vectors=*/false);
    }
  }
  if (r.density) {
    const SlqResult& d = *r.density;
    w.write_tensor(p + "density/grid", d.grid);
    w.write_tensor(p + "density/density", d.density);
    w.write_tensor(p + "density/nodes", d.nodes);
    w.write_tensor(p + "density/weights", d.weights);
    w.write_double(p + "density/sigma", d.sigma);
    w.write_double(p + "density/first_moment", d.first_moment);
    // Standard error of the first moment across runs.
    const torch::Tensor per_run = (d.nodes * d.weights).sum(1);
    std::vector<double> v(per_run.data_ptr<double>(), per_run.data_ptr<double>() + per_run.numel());
    w.write_double(p + "density/first_moment_se", mean_and_se(v).se);
    w.write_int(p + "density/hvps", d.hvps);
    w.write_double(p + "density/seconds", r.seconds_density);
  }
}

}  // namespace curvlab
