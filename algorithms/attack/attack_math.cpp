// Norms, steps, the box, input gradients and target choice shared by the attacks.
#include "algorithms/attack/attack_math.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>

#include "base/error.h"

namespace curvlab {

const EnumNames<AttackNorm>& attack_norm_names() {
  static const EnumNames<AttackNorm> names = {{AttackNorm::kL2, "l2"}, {AttackNorm::kLinf, "linf"}};
  return names;
}

const EnumNames<TargetChoice>& target_choice_names() {
  static const EnumNames<TargetChoice> names = {{TargetChoice::kEasiest, "easiest"},
                                                {TargetChoice::kHardest, "hardest"}};
  return names;
}

const EnumNames<AttackMethod>& attack_method_names() {
  static const EnumNames<AttackMethod> names = {
      {AttackMethod::kFgsm, "fgsm"}, {AttackMethod::kIfgsm, "ifgsm"}, {AttackMethod::kPgd, "pgd"},
      {AttackMethod::kDeepFool, "deepfool"}, {AttackMethod::kCw, "cw"}, {AttackMethod::kTr, "tr"},
      {AttackMethod::kTr2, "tr2"}};
  return names;
}

bool is_minimal_attack(AttackMethod m) { return m != AttackMethod::kFgsm && m != AttackMethod::kPgd; }

torch::Tensor image_norm(const torch::Tensor& x, AttackNorm norm) {
  const torch::Tensor f = x.flatten(1);  // [B, D]
  return norm == AttackNorm::kL2 ? f.norm(2, {1}) : f.abs().amax({1});
}

torch::Tensor dual_norm(const torch::Tensor& g, AttackNorm norm) {
  const torch::Tensor f = g.flatten(1);  // [B, D]
  return norm == AttackNorm::kL2 ? f.norm(2, {1}) : f.abs().sum({1});
}

torch::Tensor per_image(const torch::Tensor& s, const torch::Tensor& x) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  return s.reshape(shape);
}

torch::Tensor unit_step(const torch::Tensor& g, AttackNorm norm) {
  if (norm == AttackNorm::kLinf) return g.sign();
  const torch::Tensor n = g.flatten(1).norm(2, {1});  // [B]
  return g / per_image(torch::where(n > 0, n, torch::ones_like(n)), g);
}

torch::Tensor clamp_box(const torch::Tensor& x, const InputBox& box) { return x.clamp(box.lo, box.hi); }

FrozenParameters::FrozenParameters(NetImpl& model) : params_(model.parameters()) {
  required_.reserve(params_.size());
  for (torch::Tensor& p : params_) {
    required_.push_back(p.requires_grad());
    p.requires_grad_(false);
  }
}

FrozenParameters::~FrozenParameters() {
  for (std::size_t i = 0; i < params_.size(); ++i) params_[i].requires_grad_(required_[i]);
}

std::pair<torch::Tensor, torch::Tensor> logits_and_input_grad(
    NetImpl& model, const torch::Tensor& x, const std::function<torch::Tensor(const torch::Tensor&)>& objective) {
  torch::Tensor xr = x.detach().requires_grad_(true);
  torch::Tensor z = model.forward(xr);  // [B, K]
  torch::Tensor obj = objective(z);     // [B]
  torch::Tensor g = torch::autograd::grad({obj.sum()}, {xr})[0];
  return {z.detach(), g.detach()};
}

torch::Tensor logits(NetImpl& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return model.forward(x);
}

torch::Tensor choose_targets(NetImpl& model, const torch::Tensor& x, std::int64_t top_c, AttackNorm norm,
                             TargetChoice choice) {
  torch::Tensor xr = x.detach().requires_grad_(true);
  torch::Tensor z = model.forward(xr);  // [B, K]
  const std::int64_t c = std::min<std::int64_t>(top_c, z.size(1));
  CURVLAB_CHECK(c >= 2, ConfigError, "a targeted attack needs top_c >= 2 classes (got " + std::to_string(top_c) + ")");
  const torch::Tensor order = std::get<1>(z.detach().sort(1, /*descending=*/true)).slice(1, 0, c);  // [B, c]
  const torch::Tensor z_cls = z.gather(1, order.slice(1, 0, 1)).squeeze(1);                           // [B]
  torch::Tensor g_cls = torch::autograd::grad({z_cls.sum()}, {xr}, {}, /*retain_graph=*/true)[0];
  const double worst = choice == TargetChoice::kEasiest ? std::numeric_limits<double>::infinity()
                                                        : -std::numeric_limits<double>::infinity();
  torch::Tensor best = torch::full({x.size(0)}, worst, torch::kFloat64);
  torch::Tensor target = order.select(1, 1).clone();
  for (std::int64_t i = 1; i < c; ++i) {
    const torch::Tensor z_i = z.gather(1, order.slice(1, i, i + 1)).squeeze(1);  // [B]
    torch::Tensor g_i = torch::autograd::grad({z_i.sum()}, {xr}, {}, /*retain_graph=*/i + 1 < c)[0];
    const torch::Tensor d = dual_norm(g_i - g_cls, norm).to(torch::kFloat64);
    torch::Tensor dist = ((z_cls - z_i).detach().to(torch::kFloat64) / d.clamp_min(1e-30)).clamp_min(0);
    const torch::Tensor better = choice == TargetChoice::kEasiest ? dist < best : dist > best;
    best = torch::where(better, dist, best);
    target = torch::where(better, order.select(1, i), target);
  }
  return target;
}

}  // namespace curvlab
