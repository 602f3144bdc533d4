// The results of an attack study: one AttackRun per (method, norm, kappa, white/gray box) with
// per-image records, its summary statistics, and their files (attack.h5, attack_summary.csv,
// attack_images.csv, attack_accuracy.csv). Layout: docs/robustness.md. Not for: running attacks
// (attack_runner.cpp) or plots (attack_plots.h).
#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

#include "algorithms/attack/attack_options.h"

namespace curvlab {

class StateWriter;

// One attack run over the study's n images (in split order; every rank holds all after gathering).
struct AttackRun {
  AttackMethod method = AttackMethod::kTr;
  AttackNorm norm = AttackNorm::kL2;
  bool has_kappa = false;      // false: the model as trained
  double kappa = 0.0;          // the evaluated model's JumpReLU kappa
  bool gray = false;           // crafted on kappa 0, evaluated at kappa
  std::vector<double> eps;     // the accuracy-vs-eps points of the norm
  // Per image [n]: the label, the evaluated model's clean prediction, its prediction of the attacked
  // image, the class aimed at (-1 untargeted), success (clean correct and attacked wrong),
  // gradient steps, seconds (the image's batch time over its size) and the perturbation sizes
  // in pixel units, absolute and relative to the clean image's norm. fgsm/pgd: at the largest eps.
  torch::Tensor label, clean_pred, pred, target, success, iterations, seconds, l2, linf, rel_l2, rel_linf;
  torch::Tensor correct_at_eps;  // bool [n, E]: still classified correctly at each eps
  torch::Tensor example_clean, example_adv;  // [m, C, H, W] pixel-unit pairs (m = save_examples)

  std::string name() const;      // "tr_l2", "deepfool_linf_k0.5_gray"
  std::int64_t images() const { return label.defined() ? label.size(0) : 0; }
  // Allocates every per-image tensor for n images (zeros) and m examples of sample_shape.
  void allocate(std::int64_t n, std::int64_t m, const std::vector<std::int64_t>& sample_shape);
};

// The summary of one run.
struct AttackSummary {
  std::int64_t images = 0;
  double clean_accuracy = 0;         // of the evaluated model
  double success_rate = 0;           // among the images it classifies correctly
  double mean_rel = 0, median_rel = 0, max_rel = 0;  // ||delta||_p / ||x||_p over the successes (p: the run's norm)
  double mean_size = 0, median_size = 0;             // ||delta||_p over the successes
  double seconds = 0;                // the sum of per-image times (all ranks)
  double images_per_second = 0;      // images / seconds
  std::vector<double> accuracy;      // at each eps
};
AttackSummary summarize(const AttackRun& run);

// Accuracy at each eps: fgsm/pgd from correct_at_eps; the minimal attacks from the perturbation
// sizes (an image counts as correct at eps unless it was fooled with ||delta||_p <= eps).
void fill_correct_at_eps(AttackRun& run);

// /runs/<name>/... (per image, summary, eps, accuracy, examples) and the CSV files in `dir`.
void save_attack_runs(const std::vector<AttackRun>& runs, StateWriter& out);
void write_attack_csvs(const std::vector<AttackRun>& runs, const std::string& dir);
// The summary table for stdout.
std::string format_attack_table(const std::vector<AttackRun>& runs);

}  // namespace curvlab
