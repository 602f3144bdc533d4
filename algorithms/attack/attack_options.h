// Options of the adversarial attacks (algorithms/attack/): the norm, the valid input box, the target
// choice, each method's settings, and the attack study of a checkpoint (AttackStudyOptions). Filled
// by jobs/ (the attack job kind). Not for: running a study or writing results (jobs/attack/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/hessian/hessian_options.h"  // DataSplit
#include "base/enum_names.h"

namespace curvlab {

enum class AttackNorm { kL2, kLinf };
// "l2", "linf"
const EnumNames<AttackNorm>& attack_norm_names();

// Which of the top-c classes a targeted attack aims at, by the linearised distance to its
// decision boundary: the nearest (`easiest`) or the farthest (`hardest`).
enum class TargetChoice { kEasiest, kHardest };
// "easiest", "hardest"
const EnumNames<TargetChoice>& target_choice_names();

// The valid inputs: every element within [lo, hi] (the data set's pixel range [0, 1] after
// normalisation). Every attack keeps its images inside.
struct InputBox {
  double lo = 0.0;
  double hi = 1.0;
};

// Iterative FGSM in the minimal form of the JumpReLU paper: fixed steps, repeated only on images
// still classified correctly; the perturbation is the one at the flip.
struct IfgsmOptions {
  double step = 0.01;            // step size (Linf: per element; L2: of the whole image)
  std::int64_t max_iter = 1000;  // an image not flipped by then counts as a failure
};

// Projected gradient descent (Madry et al. 2018): a random start in the eps-ball, then `steps`
// steps of size step_ratio * eps / steps, each projected onto the ball and the box.
struct PgdOptions {
  std::int64_t steps = 40;
  double step_ratio = 2.5;
  bool random_start = true;
};

// DeepFool (Moosavi-Dezfooli et al. 2016), linearising the top-c classes of the clean image.
struct DeepFoolOptions {
  std::int64_t max_iter = 50;
  double overshoot = 0.02;
  std::int64_t top_c = 9;
};

// The first-order trust-region attack (Yao et al. 2019): a fixed target among the top-c classes,
// steps of (min(linearised distance, radius) + margin) times `overshoot` along sign(g) (Linf) or
// g/|g| (L2), g the input gradient of the target-minus-class logit gap with the components that
// point out of the box at pixels on its bounds removed (the feasible steepest direction); the radius grows by `grow` when the
// ratio rho of actual to predicted decrease of the gap exceeds rho_grow, shrinks by it below
// rho_shrink, clamped to [radius_min, radius_max] (0: the paper's, by norm: L2 [5e-4, 5e-2],
// Linf [1e-4, 1e-2]).
struct TrustRegionOptions {
  std::int64_t max_iter = 2000;
  std::int64_t top_c = 9;
  TargetChoice target = TargetChoice::kEasiest;
  double overshoot = 1.02;
  double margin = 1e-4;  // added to each step's length before the overshoot (as the paper's code)
  double radius = 1e-3;
  double radius_min = 0.0;
  double radius_max = 0.0;
  double grow = 1.2;
  double rho_grow = 0.9;
  double rho_shrink = 0.5;
};

// Carlini-Wagner L2 (Carlini & Wagner 2017), untargeted, with the settings of their code: Adam at
// lr 0.01, 9 binary-search steps over the constant c from 1e-3, confidence 0, early abort.
struct CwOptions {
  std::int64_t binary_steps = 9;
  std::int64_t max_iter = 1000;   // Adam steps per binary-search step
  double lr = 0.01;
  double initial_const = 1e-3;
  double confidence = 0.0;
  bool abort_early = true;
};

// The methods of an attack study. fgsm and pgd are evaluated at each eps (robust accuracy); the
// others search the smallest perturbation that flips each image.
enum class AttackMethod { kFgsm, kIfgsm, kPgd, kDeepFool, kCw, kTr, kTr2 };
// "fgsm", "ifgsm", "pgd", "deepfool", "cw", "tr", "tr2"
const EnumNames<AttackMethod>& attack_method_names();
// True for the methods that search a minimal perturbation (ifgsm, deepfool, cw, tr, tr2).
bool is_minimal_attack(AttackMethod m);

// [train.adversarial]: adversarial training (the JumpReLU paper's robust models: 30% FGSM). In each
// micro-batch, the images at global batch positions p with floor((p+1) f) > floor(p f) (a fraction
// f of every batch, the same images at any rank count) are replaced by attacks on the current
// weights (eval mode), in pixel units; the loss is the usual mean over the mixed batch.
struct AdversarialTrainingOptions {
  bool enabled = false;                        // [train.adversarial] is written
  AttackMethod method = AttackMethod::kFgsm;   // fgsm | pgd
  AttackNorm norm = AttackNorm::kLinf;
  double eps = 0.1;
  std::int64_t steps = 10;                     // pgd steps (step size step_ratio * eps / steps)
  double step_ratio = 2.5;
  double fraction = 0.3;                       // in (0, 1]
};

// [attack]: an attack study of a trained checkpoint (docs/robustness.md). Perturbations are measured
// in pixel units ([0, 1] images, before the data set's normalisation).
struct AttackStudyOptions {
  std::string checkpoint;                      // a checkpoint file, or a train run's directory
  DataSplit split = DataSplit::kTest;
  std::int64_t samples = 1000;                 // the first N images of the split; 0 = all
  std::int64_t batch_size = 100;               // images per attack batch (batches go to ranks whole)
  std::vector<AttackMethod> methods;           // required
  std::vector<AttackNorm> norms = {AttackNorm::kL2};
  std::vector<double> eps_l2 = {0.25, 0.5, 1.0, 1.5, 2.0, 3.0};      // accuracy-vs-eps points (pixel units)
  std::vector<double> eps_linf = {0.01, 0.02, 0.05, 0.1, 0.15, 0.2};
  std::int64_t top_c = 9;                      // deepfool's and tr's candidate classes
  TargetChoice target = TargetChoice::kEasiest;  // tr / tr2
  std::vector<double> kappas;                  // JumpReLU retrofit, each on the same weights; empty: as trained
  bool gray_box = true;                        // with kappas: also attacks crafted at kappa 0, evaluated at each kappa
  std::int64_t save_examples = 0;              // clean/adversarial pairs stored per run (and a PNG grid)
  bool plots = true;
  double ifgsm_step_l2 = 0.02;                 // ifgsm's fixed step per norm (pixel units)
  double ifgsm_step_linf = 0.002;
  IfgsmOptions ifgsm;
  PgdOptions pgd;
  DeepFoolOptions deepfool;
  TrustRegionOptions tr;
  CwOptions cw;
};

}  // namespace curvlab
