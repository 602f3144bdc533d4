// HAWQ-V2 mixed-precision bit allocation from per-layer Hessian traces, and HAWQ (v1) orderings
// from per-layer top eigenvalues.
//   sensitivity Omega_i(b) = (Tr(H_i) / n_i) * ||Q_b(W_i) - W_i||^2   (H_i: the Hessian block of
//     layer i's weight, n_i its number of weights, Q_b: quantizer.h; a negative trace estimate
//     counts as 0);
//   size of an assignment = sum_i n_i * b_i bits (quantized weights only; biases and batch-norm
//     parameters stay in float and are not counted);
//   the exact Pareto frontier of (size, sum Omega) by dynamic programming (pareto.h), with the
//     first and last layer fixed at fixed_bits when asked; the allocation at a budget is the
//     frontier point of lowest Omega whose size fits.
//   reverse allocation (a control): the same optimisation with the sensitivities mirrored (the
//     most sensitive layer takes the least sensitive one's Tr/n, and so on), at the same budget;
//   uniform allocation: every free layer at the same bit width.
//   HAWQ v1: layers ordered by lambda_i / n_i (more bits first) and the fine-tuning order by
//     lambda_i * ||Q(W_i) - W_i||^2 at the allocated bits (largest first).
// Not for: evaluating the quantized model (jobs/hessian/hessian_runner.cpp does, with fake_quantize).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "algorithms/quant/pareto.h"
#include "algorithms/quant/quantizer.h"

namespace curvlab {

struct HawqLayer {
  std::string name;       // parameter name of the weight ("fc1.weight")
  torch::Tensor weight;
  double trace = 0;       // Tr(H_i) of the weight's Hessian block
  double top_eigenvalue = std::numeric_limits<double>::quiet_NaN();  // for HAWQ v1 (NaN: unknown)
};

struct HawqOptions {
  std::vector<std::int64_t> bits = {2, 3, 4, 8};
  QuantizerOptions quantizer;
  bool fix_first_last = true;
  std::int64_t fixed_bits = 8;
};

struct Allocation {
  std::vector<std::int64_t> bits;  // per layer
  std::int64_t size_bits = 0;
  double omega = 0;
};

class HawqPlan {
 public:
  HawqPlan(std::vector<HawqLayer> layers, HawqOptions options);

  const std::vector<HawqLayer>& layers() const { return layers_; }
  std::int64_t total_weights() const { return total_; }
  // Omega_i(b) for b in the layer's allowed widths (allowed(i)).
  const std::vector<std::int64_t>& allowed(std::size_t layer) const { return allowed_[layer]; }
  double omega(std::size_t layer, std::int64_t bits) const;
  double sensitivity(std::size_t layer) const;  // max(0, Tr(H_i)) / n_i
  const std::vector<ParetoPoint>& frontier() const { return frontier_; }

  Allocation from_point(const ParetoPoint& p) const;
  Allocation from_bits(const std::vector<std::int64_t>& bits) const;
  // Lowest-Omega allocation with size <= budget_bits; ConfigError (with the smallest possible size)
  // when none fits.
  Allocation at_budget(std::int64_t budget_bits) const;
  Allocation reverse_at_budget(std::int64_t budget_bits) const;
  Allocation uniform(std::int64_t bits) const;
  std::int64_t smallest_size() const { return frontier_.front().size; }

  std::vector<std::size_t> v1_bit_order() const;                        // by lambda/n, descending
  std::vector<std::size_t> v1_finetune_order(const Allocation& a) const;  // by lambda*||Q-W||^2

 private:
  std::vector<ParetoPoint> frontier_for(const std::vector<double>& sens) const;
  std::vector<HawqLayer> layers_;
  HawqOptions opts_;
  std::int64_t total_ = 0;
  std::vector<std::vector<std::int64_t>> allowed_;
  std::vector<std::vector<double>> errors_;  // ||Q_b(W)-W||^2 per allowed width
  std::vector<ParetoPoint> frontier_;
};

}  // namespace curvlab
