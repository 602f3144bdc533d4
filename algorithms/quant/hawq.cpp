// HAWQ-V2 sensitivities, frontier, budget/reverse/uniform allocations, HAWQ v1 orderings.
#include "algorithms/quant/hawq.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"

namespace curvlab {

HawqPlan::HawqPlan(std::vector<HawqLayer> layers, HawqOptions options)
    : layers_(std::move(layers)), opts_(std::move(options)) {
  CURVLAB_CHECK(!layers_.empty(), ConfigError, "HAWQ: the model has no weight layers to quantize");
  CURVLAB_CHECK(!opts_.bits.empty(), ConfigError, "HAWQ: quant.bits is empty");
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const bool fixed = opts_.fix_first_last && (i == 0 || i + 1 == layers_.size());
    allowed_.push_back(fixed ? std::vector<std::int64_t>{opts_.fixed_bits} : opts_.bits);
    std::vector<double> errs;
    for (std::int64_t b : allowed_.back()) errs.push_back(quantization_error(layers_[i].weight, b, opts_.quantizer));
    errors_.push_back(errs);
    total_ += layers_[i].weight.numel();
  }
  std::vector<double> sens;
  for (std::size_t i = 0; i < layers_.size(); ++i) sens.push_back(sensitivity(i));
  frontier_ = frontier_for(sens);
}

double HawqPlan::sensitivity(std::size_t i) const {
  // A negative trace estimate (noise, or a non-convex point) would reward quantization error;
  // such a layer counts as insensitive (0), as HAWQ-V2 assumes Tr(H_i) >= 0.
  return std::max(0.0, layers_[i].trace) / static_cast<double>(layers_[i].weight.numel());
}

double HawqPlan::omega(std::size_t i, std::int64_t bits) const {
  const auto& a = allowed_[i];
  const auto it = std::find(a.begin(), a.end(), bits);
  CURVLAB_CHECK(it != a.end(), ConfigError,
                "HAWQ: layer " + layers_[i].name + " cannot take " + std::to_string(bits) + " bits");
  return sensitivity(i) * errors_[i][static_cast<std::size_t>(it - a.begin())];
}

std::vector<ParetoPoint> HawqPlan::frontier_for(const std::vector<double>& sens) const {
  std::vector<LayerOptions> opts;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    LayerOptions o;
    for (std::size_t k = 0; k < allowed_[i].size(); ++k) {
      o.size.push_back(layers_[i].weight.numel() * allowed_[i][k]);
      o.cost.push_back(sens[i] * errors_[i][k]);
    }
    opts.push_back(std::move(o));
  }
  return pareto_frontier(opts);
}

Allocation HawqPlan::from_point(const ParetoPoint& p) const {
  std::vector<std::int64_t> bits;
  for (std::size_t i = 0; i < layers_.size(); ++i) bits.push_back(allowed_[i][static_cast<std::size_t>(p.choice[i])]);
  return from_bits(bits);
}

Allocation HawqPlan::from_bits(const std::vector<std::int64_t>& bits) const {
  Allocation a;
  a.bits = bits;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    a.size_bits += layers_[i].weight.numel() * bits[i];
    a.omega += omega(i, bits[i]);
  }
  return a;
}

Allocation HawqPlan::at_budget(std::int64_t budget_bits) const {
  const ParetoPoint* p = best_under_budget(frontier_, budget_bits);
  CURVLAB_CHECK(p != nullptr, ConfigError,
                "HAWQ: no bit allocation fits the budget of " + std::to_string(budget_bits) +
                    " bits; the smallest possible is " + std::to_string(smallest_size()) +
                    " bits (raise quant.budget_mb / quant.budget_avg_bits, add smaller widths to quant.bits, "
                    "or set quant.fix_first_last = false)");
  return from_point(*p);
}

Allocation HawqPlan::reverse_at_budget(std::int64_t budget_bits) const {
  const std::size_t n = layers_.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sensitivity(a) < sensitivity(b); });
  std::vector<double> mirrored(n);
  for (std::size_t r = 0; r < n; ++r) mirrored[order[r]] = sensitivity(order[n - 1 - r]);
  const std::vector<ParetoPoint> f = frontier_for(mirrored);
  const ParetoPoint* p = best_under_budget(f, budget_bits);
  CURVLAB_CHECK(p != nullptr, ConfigError, "HAWQ: no reverse allocation fits the budget");
  return from_point(*p);
}

Allocation HawqPlan::uniform(std::int64_t bits) const {
  std::vector<std::int64_t> b;
  for (std::size_t i = 0; i < layers_.size(); ++i) b.push_back(allowed_[i].size() == 1 ? allowed_[i][0] : bits);
  return from_bits(b);
}

std::vector<std::size_t> HawqPlan::v1_bit_order() const {
  std::vector<std::size_t> order(layers_.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](std::size_t i) { return layers_[i].top_eigenvalue / static_cast<double>(layers_[i].weight.numel()); };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
  return order;
}

std::vector<std::size_t> HawqPlan::v1_finetune_order(const Allocation& a) const {
  std::vector<std::size_t> order(layers_.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> key(layers_.size());
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    key[i] = layers_[i].top_eigenvalue * quantization_error(layers_[i].weight, a.bits[i], opts_.quantizer);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return key[x] > key[y]; });
  return order;
}

}  // namespace curvlab
