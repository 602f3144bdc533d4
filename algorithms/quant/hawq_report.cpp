// The HAWQ-V2 study: sensitivities, frontier, budget point and fake-quantized evaluations.
#include "algorithms/quant/hawq_report.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <tuple>
#include <numeric>

#include "base/error.h"

namespace curvlab {
namespace {
// Fake-quantizes the model's layers to `a` for as long as it lives, then restores them.
class QuantizedWeights {
 public:
  QuantizedWeights(std::vector<torch::Tensor> params, const Allocation& a, const QuantizerOptions& q)
      : params_(std::move(params)) {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      saved_.push_back(params_[i].detach().clone());
      params_[i].copy_(fake_quantize(saved_[i], a.bits[i], q));
    }
  }
  ~QuantizedWeights() {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) params_[i].copy_(saved_[i]);
  }

 private:
  std::vector<torch::Tensor> params_, saved_;
};

std::string bits_text(const Allocation& a) {
  std::string s;
  for (auto b : a.bits) s += (s.empty() ? "" : ",") + std::to_string(b);
  return s;
}
}  // namespace

HawqReport run_hawq(const Net& model, const HessianReport& h, const QuantOptions& spec, const EvalFn& eval) {
  CURVLAB_CHECK(h.trace.has_value(), ConfigError, "HAWQ needs the per-layer traces: set hessian.trace = true");
  HawqOptions o;
  o.bits = spec.bits;
  o.quantizer = spec.quantizer;
  o.fix_first_last = spec.fix_first_last;
  o.fixed_bits = spec.fixed_bits;

  std::map<std::string, torch::Tensor> by_name;
  for (const auto& p : model->named_parameters()) by_name[p.key()] = p.value();
  std::vector<HawqLayer> layers;
  std::vector<torch::Tensor> params;
  HawqReport r;
  bool have_eigen = !h.layer_eigen.empty();
  for (std::size_t i = 0; i < h.param_names.size(); ++i) {
    const std::string& name = h.param_names[i];
    const torch::Tensor& w = by_name.at(name);
    if (w.dim() < 2) continue;
    HawqLayer l;
    l.name = name;
    l.weight = w.detach().clone();
    l.trace = h.param_trace(i).mean;
    if (have_eigen) {
      for (std::size_t g = 0; g < h.layers.size(); ++g) {
        for (const auto& pn : h.layers[g].params) {
          if (pn == name) l.top_eigenvalue = h.layer_eigen[g].values.front();
        }
      }
    }
    layers.push_back(l);
    params.push_back(w);
    r.layer_names.push_back(name);
    r.layer_numel.push_back(w.numel());
    r.sensitivity_se.push_back(h.param_trace(i).se / static_cast<double>(w.numel()));
  }
  HawqPlan plan(layers, o);
  r.candidate_bits = spec.bits;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    r.sensitivity.push_back(plan.sensitivity(i));
    std::vector<double> row;
    for (std::int64_t b : spec.bits) {
      const auto& a = plan.allowed(i);
      row.push_back(std::find(a.begin(), a.end(), b) != a.end() ? plan.omega(i, b)
                                                              : std::numeric_limits<double>::quiet_NaN());
    }
    r.omega.push_back(row);
  }
  for (const auto& p : plan.frontier()) {
    r.frontier_size.push_back(p.size);
    r.frontier_omega.push_back(p.cost);
  }
  r.budget_bits = spec.budget_mb > 0 ? static_cast<std::int64_t>(std::floor(spec.budget_mb * 8e6))
                                     : static_cast<std::int64_t>(std::floor(spec.budget_avg_bits *
                                                                            static_cast<double>(plan.total_weights())));
  const Allocation chosen = plan.at_budget(r.budget_bits);
  std::tie(r.float_loss, r.float_accuracy) = eval();
  auto evaluate = [&](const std::string& label, const Allocation& a) {
    HawqEvaluation e;
    e.label = label;
    e.allocation = a;
    {
      QuantizedWeights q(params, a, o.quantizer);
      std::tie(e.loss, e.accuracy) = eval();
    }
    r.evaluations.push_back(e);
  };
  evaluate("hawq-v2@budget", chosen);
  evaluate("reverse@budget", plan.reverse_at_budget(r.budget_bits));
  // Uniform quantization at every candidate width (the table shows which fit the budget).
  for (std::int64_t b : spec.bits) {
    const Allocation u = plan.uniform(b);
    evaluate("uniform-" + std::to_string(b), u);
  }
  // Further frontier points, evenly spread by index.
  const auto& f = plan.frontier();
  for (std::int64_t k = 0; k < spec.eval_points && f.size() > 1; ++k) {
    const std::size_t idx = static_cast<std::size_t>(
        std::llround(static_cast<double>(k) * static_cast<double>(f.size() - 1) /
                     static_cast<double>(std::max<std::int64_t>(1, spec.eval_points - 1))));
    evaluate("frontier-" + std::to_string(idx), plan.from_point(f[idx]));
  }
  if (have_eigen) {
    r.v1_bit_order = plan.v1_bit_order();
    r.v1_finetune_order = plan.v1_finetune_order(chosen);
  }
  return r;
}

void save_hawq_report(const HawqReport& r, StateWriter& w, const std::string& prefix) {
  const std::string p = prefix.empty() ? "" : prefix + "/";
  std::string names;
  for (const auto& n : r.layer_names) names += (names.empty() ? "" : "\n") + n;
  w.write_string(p + "layers/names", names);
  w.write_tensor(p + "layers/numel", torch::tensor(r.layer_numel, torch::kInt64));
  w.write_tensor(p + "layers/sensitivity", torch::tensor(r.sensitivity, torch::kFloat64));
  w.write_tensor(p + "layers/sensitivity_se", torch::tensor(r.sensitivity_se, torch::kFloat64));
  w.write_tensor(p + "candidate_bits", torch::tensor(r.candidate_bits, torch::kInt64));
  std::vector<double> flat;
  for (const auto& row : r.omega) flat.insert(flat.end(), row.begin(), row.end());
  w.write_tensor(p + "omega", torch::tensor(flat, torch::kFloat64).reshape(
                                  {static_cast<std::int64_t>(r.omega.size()), static_cast<std::int64_t>(r.candidate_bits.size())}));
  w.write_tensor(p + "frontier/size_bits", torch::tensor(r.frontier_size, torch::kInt64));
  w.write_tensor(p + "frontier/omega", torch::tensor(r.frontier_omega, torch::kFloat64));
  w.write_int(p + "budget_bits", r.budget_bits);
  w.write_double(p + "float/loss", r.float_loss);
  w.write_double(p + "float/accuracy", r.float_accuracy);
  for (std::size_t i = 0; i < r.evaluations.size(); ++i) {
    const HawqEvaluation& e = r.evaluations[i];
    const std::string q = p + "evaluations/" + std::to_string(i) + "/";
    w.write_string(q + "label", e.label);
    w.write_tensor(q + "bits", torch::tensor(e.allocation.bits, torch::kInt64));
    w.write_int(q + "size_bits", e.allocation.size_bits);
    w.write_double(q + "omega", e.allocation.omega);
    w.write_double(q + "loss", e.loss);
    w.write_double(q + "accuracy", e.accuracy);
  }
  if (!r.v1_bit_order.empty()) {
    std::vector<std::int64_t> a(r.v1_bit_order.begin(), r.v1_bit_order.end());
    std::vector<std::int64_t> b(r.v1_finetune_order.begin(), r.v1_finetune_order.end());
    w.write_tensor(p + "v1/bit_order", torch::tensor(a, torch::kInt64));
    w.write_tensor(p + "v1/finetune_order", torch::tensor(b, torch::kInt64));
  }
}

std::string format_hawq_table(const HawqReport& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof(line), "HAWQ-V2: budget %.4f MB (%lld bits, %.3f bits/weight over %zu layers); float: loss %.4f, accuracy %.4f\n",
                static_cast<double>(r.budget_bits) / 8e6, static_cast<long long>(r.budget_bits),
                static_cast<double>(r.budget_bits) /
                    static_cast<double>(std::accumulate(r.layer_numel.begin(), r.layer_numel.end(), std::int64_t{0})),
                r.layer_names.size(), r.float_loss, r.float_accuracy);
  out += line;
  std::snprintf(line, sizeof(line), "  %-16s %-24s %12s %12s %10s %9s\n", "allocation", "bits per layer", "size (MB)",
                "Omega", "loss", "accuracy");
  out += line;
  for (const auto& e : r.evaluations) {
    std::snprintf(line, sizeof(line), "  %-16s %-24s %12.5f %12.4e %10.4f %9.4f\n", e.label.c_str(),
                  bits_text(e.allocation).c_str(), static_cast<double>(e.allocation.size_bits) / 8e6,
                  e.allocation.omega, e.loss, e.accuracy);
    out += line;
  }
  return out;
}

}  // namespace curvlab
