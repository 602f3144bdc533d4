// The HAWQ-V2 study of one model: per-layer sensitivities from a Hessian report, the Pareto
// frontier, the allocation at the budget, and fake-quantized evaluations of it beside uniform
// quantization, the reverse allocation and further frontier points; HAWQ v1 orderings.
// Not for: the maths of allocation (hawq.h) or computing traces (algorithms/hessian/analysis.h).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/hessian/analysis.h"
#include "algorithms/quant/hawq.h"
#include "algorithms/quant/quant_options.h"
#include "base/net.h"

namespace curvlab {

struct HawqEvaluation {
  std::string label;  // "hawq-v2@budget", "uniform-4", "reverse@budget", "frontier-3"
  Allocation allocation;
  double loss = 0, accuracy = 0;
};

struct HawqReport {
  std::vector<std::string> layer_names;
  std::vector<std::int64_t> layer_numel;
  std::vector<double> sensitivity;      // Tr(H_i)/n_i
  std::vector<double> sensitivity_se;   // its standard error
  std::vector<std::int64_t> candidate_bits;
  std::vector<std::vector<double>> omega;  // [layer][candidate]; NaN where not allowed
  std::vector<std::int64_t> frontier_size;
  std::vector<double> frontier_omega;
  std::int64_t budget_bits = 0;
  double float_loss = 0, float_accuracy = 0;
  std::vector<HawqEvaluation> evaluations;  // [0] = the allocation at the budget
  std::vector<std::size_t> v1_bit_order, v1_finetune_order;  // empty without per-layer eigenvalues
};

// (loss, accuracy) of the model with its current weights (collective; the same on every rank).
using EvalFn = std::function<std::pair<double, double>()>;

// The quantized layers are the weights with >= 2 dimensions (Linear, Conv2d), in model order.
// Leaves the model's weights as they were.
HawqReport run_hawq(const Net& model, const HessianReport& hessian, const QuantOptions& spec, const EvalFn& eval);
void save_hawq_report(const HawqReport& r, StateWriter& w, const std::string& prefix);
// A plain-text table of the evaluations (bits per layer, size, Omega, accuracy).
std::string format_hawq_table(const HawqReport& r);

}  // namespace curvlab
