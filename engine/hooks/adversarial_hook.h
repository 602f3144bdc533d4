// Step hook: adversarial training ([train.adversarial]; options and the choice of images:
// algorithms/attack/attack_options.h). Before each micro-batch's forward pass, replaces a fixed
// fraction of its images by FGSM or PGD attacks on the current weights (eval mode, pixel units,
// inside the training split's pixel box); the model's mode is restored before the forward pass.
// Stateless across steps (PGD's random starts are seeded by step and batch position), so resume is exact.
#pragma once

#include "algorithms/attack/attack_options.h"
#include "engine/hooks/step_hook.h"
#include "engine/models/pixel_net.h"

namespace curvlab {

class AdversarialHook : public StepHook {
 public:
  AdversarialHook(const AdversarialTrainingOptions& options, TrainContext& c);
  std::string name() const override { return "adversarial"; }
  std::vector<std::string> step_columns() const override { return {"adversarial_fraction"}; }
  void before_step(TrainContext& c) override;
  void before_forward(TrainContext& c, MicroBatch& mb) override;

 private:
  AdversarialTrainingOptions options_;
  PixelNet pixel_;
  InputBox box_;
};

// The positions in [offset, offset + n) of a global batch whose images are replaced at `fraction`:
// p with floor((p + 1) f) > floor(p f), as local indices (p - offset), int64.
torch::Tensor adversarial_positions(std::int64_t offset, std::int64_t n, double fraction);

}  // namespace curvlab
