// FGSM, iterative FGSM and PGD.
#include "algorithms/attack/gradient_attacks.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {

std::pair<torch::Tensor, torch::Tensor> cross_entropy_input_grad(NetImpl& model, const torch::Tensor& x,
                                                                 const torch::Tensor& y) {
  auto [z, g] = logits_and_input_grad(model, x, [&](const torch::Tensor& logits) {
    return -torch::log_softmax(logits, 1).gather(1, y.view({-1, 1})).squeeze(1);  // [B]
  });
  return {g, z};
}

std::vector<torch::Tensor> fgsm(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y,
                                const std::vector<double>& eps, AttackNorm norm, const InputBox& box) {
  const FrozenParameters frozen(model);
  const torch::Tensor u = unit_step(cross_entropy_input_grad(model, x, y).first, norm);
  std::vector<torch::Tensor> out;
  out.reserve(eps.size());
  for (double e : eps) {
    CURVLAB_CHECK(e > 0, ConfigError, "fgsm: eps must be > 0 (got " + std::to_string(e) + ")");
    out.push_back(clamp_box(x + e * u, box));
  }
  return out;
}

AttackResult ifgsm(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                   const InputBox& box, const IfgsmOptions& options) {
  const FrozenParameters frozen(model);
  CURVLAB_CHECK(options.step > 0, ConfigError, "ifgsm: step must be > 0 (got " + std::to_string(options.step) + ")");
  const std::int64_t b = x.size(0);
  torch::Tensor adv = x.detach().clone();
  torch::Tensor iterations = torch::zeros({b}, torch::kInt64);
  torch::Tensor active = logits(model, x).argmax(1).eq(y);  // bool [B]: still classified as y
  for (std::int64_t it = 0; it < options.max_iter && active.any().item<bool>(); ++it) {
    const torch::Tensor idx = active.nonzero().squeeze(1);
    const torch::Tensor xa = adv.index_select(0, idx), ya = y.index_select(0, idx);
    const torch::Tensor g = cross_entropy_input_grad(model, xa, ya).first;
    const torch::Tensor stepped = clamp_box(xa + options.step * unit_step(g, norm), box);
    adv.index_copy_(0, idx, stepped);
    iterations.index_add_(0, idx, torch::ones({idx.size(0)}, torch::kInt64));
    const torch::Tensor still = logits(model, stepped).argmax(1).eq(ya);
    active.index_copy_(0, idx, still);
  }
  return {adv, logits(model, adv).argmax(1).ne(y), iterations, torch::full({b}, -1, torch::kInt64)};
}

namespace {
// A uniform draw in the eps-ball of image shape `shape` (without the batch dimension).
torch::Tensor ball_draw(const std::vector<std::int64_t>& shape, double eps, AttackNorm norm, std::uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  if (norm == AttackNorm::kLinf) return (torch::rand(shape, gen, torch::kFloat32) * 2 - 1) * eps;
  torch::Tensor d = torch::randn(shape, gen, torch::kFloat32);
  const double n = d.norm().item<double>();
  const double u = torch::rand({1}, gen, torch::kFloat64).item<double>();
  const double radius = eps * std::pow(u, 1.0 / static_cast<double>(d.numel()));
  return n > 0 ? d * (radius / n) : d;
}

torch::Tensor project(const torch::Tensor& delta, double eps, AttackNorm norm) {
  if (norm == AttackNorm::kLinf) return delta.clamp(-eps, eps);
  const torch::Tensor n = image_norm(delta, AttackNorm::kL2);  // [B]
  const torch::Tensor scale = torch::where(n > eps, eps / n.clamp_min(1e-30), torch::ones_like(n));
  return delta * per_image(scale, delta);
}
}  // namespace

torch::Tensor pgd(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, double eps, AttackNorm norm,
                  const InputBox& box, const PgdOptions& options, std::uint64_t seed,
                  const torch::Tensor& image_index) {
  const FrozenParameters frozen(model);
  CURVLAB_CHECK(eps > 0, ConfigError, "pgd: eps must be > 0 (got " + std::to_string(eps) + ")");
  CURVLAB_CHECK(options.steps >= 1, ConfigError, "pgd: steps must be >= 1 (got " + std::to_string(options.steps) + ")");
  torch::Tensor adv = x.detach().clone();
  if (options.random_start) {
    const std::vector<std::int64_t> shape(x.sizes().begin() + 1, x.sizes().end());
    const auto index = image_index.accessor<std::int64_t, 1>();
    for (std::int64_t b = 0; b < x.size(0); ++b) {
      adv[b] += ball_draw(shape, eps, norm, derive_seed(seed, "attack.pgd", static_cast<std::uint64_t>(index[b])))
                    .to(x.scalar_type());
    }
    adv = clamp_box(adv, box);
  }
  const double alpha = options.step_ratio * eps / static_cast<double>(options.steps);
  for (std::int64_t s = 0; s < options.steps; ++s) {
    const torch::Tensor g = cross_entropy_input_grad(model, adv, y).first;
    adv = clamp_box(x + project(adv + alpha * unit_step(g, norm) - x, eps, norm), box);
  }
  return adv;
}

}  // namespace curvlab
