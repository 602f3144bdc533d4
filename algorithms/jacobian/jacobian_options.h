// Options of the Jacobian analysis of a residual network (the `jacobian` job kind): which maps
// (residual units, stages, the feature extractor), which singular values, the skip and branch
// scalings, and the perturbations sent through the units. Filled by jobs/ (docs/jacobian.md).
// Not for: computing anything (jacobian_products.h, singular_values.h, propagation.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/attack/attack_options.h"    // TrustRegionOptions, DeepFoolOptions, AttackNorm
#include "algorithms/hessian/hessian_options.h"  // DataSplit
#include "base/enum_names.h"

namespace curvlab {

// All singular values by a dense SVD of the assembled Jacobian: where the map's dimension
// (max(in, out)) is at most dense_max_dim (`auto`), for every map (`always`: a larger map is an
// error), or never.
enum class DenseMode { kAuto, kAlways, kNever };
// "auto", "always", "never"
const EnumNames<DenseMode>& dense_mode_names();

// The direction of an input perturbation: a Gaussian direction, or an adversarial one: the FGSM
// direction (the L2-normalised input gradient of the loss), DeepFool's or the trust-region
// attack's perturbation (normalised). Every direction is scaled to each size.
enum class PerturbationDirection { kRandom, kFgsm, kDeepFool, kTr };
// "random", "fgsm", "deepfool", "tr"
const EnumNames<PerturbationDirection>& perturbation_direction_names();

// [jacobian.perturbation]
struct PerturbationOptions {
  bool enabled = true;
  std::vector<double> sizes = {0.01, 0.1, 1.0};  // ||delta||_2 in pixel units ([0, 1] images)
  std::vector<PerturbationDirection> directions = {PerturbationDirection::kRandom, PerturbationDirection::kFgsm,
                                                   PerturbationDirection::kTr};
  std::int64_t projection_k = 5;  // the projection of delta_k on the unit's top right singular vectors (<= top_k)
};

// [jacobian]: the study of a trained ResNet checkpoint.
struct JacobianStudyOptions {
  std::string checkpoint;                 // a checkpoint file, or a train run's directory
  DataSplit split = DataSplit::kTest;
  std::int64_t samples = 100;             // the first N images of the split
  std::int64_t batch_size = 10;           // images per batch (batches go to ranks whole)
  // Entries: "units" (every residual unit), "stages" (each stage as a whole), "features" (the whole
  // feature extractor: stem output to the last unit's output), or a unit ("layer2.1") or stage
  // ("layer2") by name.
  std::vector<std::string> maps = {"units", "stages"};
  bool lanczos = true;                    // top_k / bottom_k by Lanczos with residuals
  std::int64_t top_k = 5;
  std::int64_t bottom_k = 5;
  std::int64_t lanczos_max_iter = 300;
  double lanczos_tol = 1e-6;
  DenseMode dense = DenseMode::kAuto;
  std::int64_t dense_max_dim = 4096;
  std::vector<double> taus = {0.1, 0.5};  // the fraction of singular values within [1 - tau, 1 + tau]
  std::vector<double> alphas = {1.0};     // skip scaling (every unit: act(alpha shortcut(x) + beta F(x)))
  std::vector<double> betas = {1.0};      // residual-branch scaling; every (alpha, beta) pair is analysed
  PerturbationOptions perturbation;
  TrustRegionOptions tr;                  // the tr direction's attack (L2)
  DeepFoolOptions deepfool;               // the deepfool direction's attack (L2)
  bool plots = true;
};

}  // namespace curvlab
