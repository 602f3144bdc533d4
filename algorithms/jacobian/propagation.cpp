// Perturbations sent through a chain of maps: true differences against the linearisation.
#include "algorithms/jacobian/propagation.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>

#include "base/error.h"

namespace curvlab {

Trajectory::Trajectory(const std::vector<ImageMap>& maps, const torch::Tensor& x) : maps_(maps), x_(x.detach()) {
  CURVLAB_CHECK(!maps.empty(), ConfigError, "perturbation propagation: no maps");
  torch::Tensor h = x_;
  at_.reserve(maps.size());
  for (const ImageMap& f : maps) {
    at_.emplace_back(f, h);
    h = at_.back().output();
  }
}

namespace {

torch::Tensor row_norm(const torch::Tensor& t) {  // [B, ...] -> float64 [B]
  return t.reshape({t.size(0), -1}).to(torch::kFloat64).norm(2, {1});
}

}  // namespace

Propagation propagate(Trajectory& tr, const torch::Tensor& d, const std::vector<torch::Tensor>& top_vectors) {
  const torch::Tensor& x = tr.input();
  CURVLAB_CHECK(d.sizes() == x.sizes(), ConfigError, "perturbation propagation: the perturbation's shape is not the input's");
  const std::int64_t b = x.size(0), k = static_cast<std::int64_t>(tr.size());
  Propagation p;
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  p.growth = torch::empty({b, k}, f64);
  p.linear_growth = torch::empty({b, k}, f64);
  p.gap = torch::empty({b, k}, f64);
  p.projection = torch::full({b, k}, std::numeric_limits<double>::quiet_NaN(), f64);
  const torch::Tensor dn = row_norm(d).clamp_min(1e-300);
  torch::Tensor h = x + d.to(x.scalar_type());  // the perturbed trajectory
  torch::Tensor t = d.reshape({b, -1});         // the tangent J_{k-1} ... J_0 d [B, dim]
  for (std::int64_t i = 0; i < k; ++i) {
    const std::size_t ki = static_cast<std::size_t>(i);
    const torch::Tensor clean_in = i == 0 ? x : tr.output(ki - 1);
    if (ki < top_vectors.size() && top_vectors[ki].defined()) {
      const torch::Tensor e = (h - clean_in).reshape({b, -1}).to(torch::kFloat64);  // [B, in]
      const torch::Tensor coef = torch::bmm(top_vectors[ki], e.unsqueeze(2)).squeeze(2);  // [B, k_vec]
      p.projection.select(1, i).copy_(coef.norm(2, {1}) / e.norm(2, {1}).clamp_min(1e-300));
    }
    {
      torch::NoGradGuard no_grad;
      h = tr.maps()[ki](h);
    }
    t = tr.jacobian(ki).jvp(t);
    const torch::Tensor diff = (h - tr.output(ki)).reshape({b, -1}).to(torch::kFloat64);
    const torch::Tensor lin = t.to(torch::kFloat64);
    const torch::Tensor diff_norm = diff.norm(2, {1});
    p.growth.select(1, i).copy_(diff_norm / dn);
    p.linear_growth.select(1, i).copy_(lin.norm(2, {1}) / dn);
    p.gap.select(1, i).copy_((diff - lin).norm(2, {1}) / diff_norm.clamp_min(1e-300));
  }
  return p;
}

}  // namespace curvlab
