// Adversarial training as a step hook (see adversarial_hook.h).
#include "engine/hooks/adversarial_hook.h"

#include <torch/torch.h>

#include <cmath>

#include "algorithms/attack/gradient_attacks.h"
#include "base/error.h"
#include "base/seeding.h"
#include "engine/train_context.h"

namespace curvlab {

torch::Tensor adversarial_positions(std::int64_t offset, std::int64_t n, double fraction) {
  const torch::Tensor p = torch::arange(offset, offset + n, torch::kFloat64);
  const torch::Tensor chosen = torch::floor((p + 1) * fraction).gt(torch::floor(p * fraction));
  return chosen.nonzero().squeeze(1);
}

AdversarialHook::AdversarialHook(const AdversarialTrainingOptions& options, TrainContext& c) : options_(options) {
  CURVLAB_CHECK(options.method == AttackMethod::kFgsm || options.method == AttackMethod::kPgd, ConfigError,
                "adversarial training crafts with fgsm or pgd (got " + attack_method_names().name(options.method) +
                    ")");
  CURVLAB_CHECK(options.eps > 0 && options.fraction > 0 && options.fraction <= 1, ConfigError,
                "adversarial training needs eps > 0 and 0 < fraction <= 1");
  pixel_ = std::make_shared<PixelNetImpl>(c.model, c.data.mean, c.data.stdev);
  box_ = pixel_box(pixel_->to_pixels(c.data.train.inputs));
}

void AdversarialHook::before_step(TrainContext& c) {
  const double g = static_cast<double>(c.global_size);
  c.record("adversarial_fraction", std::floor(g * options_.fraction) / g);
}

void AdversarialHook::before_forward(TrainContext& c, MicroBatch& mb) {
  const torch::Tensor idx = adversarial_positions(mb.global_offset, mb.local_size, options_.fraction);
  if (idx.numel() == 0) return;
  const torch::Tensor x = pixel_->to_pixels(mb.inputs.index_select(0, idx));
  const torch::Tensor y = mb.targets.index_select(0, idx);
  const bool training = c.model->is_training();
  c.model->eval();
  torch::Tensor adv;
  if (options_.method == AttackMethod::kFgsm) {
    adv = fgsm(*pixel_, x, y, {options_.eps}, options_.norm, box_).front();
  } else {
    PgdOptions o;
    o.steps = options_.steps;
    o.step_ratio = options_.step_ratio;
    // Each image's random start: seeded by (step, position in the global batch).
    const torch::Tensor index = idx + mb.global_offset + c.step * mb.global_size;
    adv = pgd(*pixel_, x, y, options_.eps, options_.norm, box_, o, derive_seed(c.options.seed, "train.adversarial"),
              index);
  }
  c.model->train(training);
  mb.inputs = mb.inputs.clone();
  mb.inputs.index_copy_(0, idx, pixel_->normalise(adv).detach());
}

}  // namespace curvlab
