// What a jacobian job measured, per scaling (alpha, beta), map and image: singular values (Lanczos
// top/bottom with residuals, all of them from the dense Jacobian) and perturbation propagation
// (growth, linear growth, linearity gap, projection on the top singular vectors); their summaries
// over images; jacobian.h5 and the CSV files. Layout: docs/jacobian.md. Not for: computing them
// (jacobian_runner.cpp) or plotting them (jacobian_plots.h).
#pragma once

#include <torch/types.h>

#include <cmath>
#include <string>
#include <vector>

#include "algorithms/jacobian/jacobian_options.h"
#include "base/state_io.h"
#include "jobs/jacobian/jacobian_maps.h"

namespace curvlab {

// One map at one scaling; rows are images (zeros on a rank for the images of other ranks, until
// the records are summed over ranks).
struct MapRecord {
  AnalysedMap map;
  std::int64_t in_dim = 0, out_dim = 0;
  torch::Tensor top, bottom, top_residual, bottom_residual;  // float64 [N, top_k] / [N, bottom_k] (Lanczos)
  torch::Tensor steps;                                       // int64 [N]: Lanczos steps
  torch::Tensor converged;                                   // int64 [N]: 1 converged / exhausted space
  torch::Tensor dense;  // float64 [N, min(in, out)] descending; undefined when not computed
  torch::Tensor seconds;  // float64 [2]: Lanczos and dense time, summed over ranks
};

// One direction at one scaling. Position 0 is the stem (pixels -> unit 0's input), position 1 + k
// residual unit k; each value is at that position's output.
struct PerturbationRecord {
  PerturbationDirection direction = PerturbationDirection::kRandom;
  torch::Tensor growth, linear_growth, gap, projection;  // float64 [N, S, K + 1] (NaN: not defined)
  torch::Tensor flipped;  // int64 [N, S]: the prediction at x + delta differs from the one at x
  torch::Tensor valid;    // int64 [N]: the direction exists (an attack that did not move an image: 0)
};

struct ScalingRecord {
  double alpha = 1.0, beta = 1.0;
  std::vector<MapRecord> maps;
  std::vector<PerturbationRecord> perturbations;
  std::string name() const;  // "alpha1_beta1", "alpha0.5_beta1"
};

struct JacobianStudy {
  std::vector<std::string> positions;  // "stem", "layer1.0", ... (the perturbation positions)
  std::vector<double> sizes, taus;
  torch::Tensor label, clean_pred;     // int64 [N] (at alpha = beta = 1 as trained)
  std::vector<ScalingRecord> scalings;
};

// Summary of one map over the images.
struct MapSummary {
  std::int64_t images = 0;
  double top1_mean = NAN, top1_std = NAN, bottom1_mean = NAN, bottom1_std = NAN;  // Lanczos
  double converged = NAN, max_residual = NAN;  // fraction converged; largest top/bottom residual / sigma^2
  bool dense = false;
  double median = NAN, q10 = NAN, q90 = NAN;   // of all singular values of all images
  double spread = NAN;                         // std over images of each image's median singular value
  double zero_fraction = NAN;                  // values <= 1e-6 sigma_1 of their image (outputs a ReLU cut off)
  std::vector<double> within_mean, within_std; // per tau: the per-image fraction within [1 - tau, 1 + tau]
};
MapSummary summarize(const MapRecord& r, const std::vector<double>& taus);

// Summary of one direction, size and position over its valid images.
struct PerturbationSummary {
  std::int64_t images = 0;
  double growth_mean = NAN, growth_median = NAN, linear_growth_mean = NAN, gap_median = NAN,
         projection_mean = NAN, flipped = NAN;
};
PerturbationSummary summarize(const PerturbationRecord& r, std::int64_t size_index, std::int64_t position);

// /scalings/<name>/maps/<map>/..., /scalings/<name>/perturbation/<direction>/..., /images/...
void save_jacobian_study(const JacobianStudy& study, StateWriter& out);
// jacobian_summary.csv (a row per scaling and map) and perturbation_summary.csv (a row per scaling,
// direction, size and position) in `dir`.
void write_jacobian_csvs(const JacobianStudy& study, const std::string& dir);
// The table for stdout.
std::string format_jacobian_table(const JacobianStudy& study);

}  // namespace curvlab
