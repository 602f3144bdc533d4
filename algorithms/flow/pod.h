// Modal reconstruction of a field from point sensors, the baselines of the shallow-decoder study
// (Erichson et al. 2020): POD (the k leading modes of the training snapshots, coefficients by least
// squares on the sensor rows) and POD-plus (a ridge-regularised linear map from sensor readings to
// mode coefficients, fitted on the TRAINING snapshots only; the reference code fits it on the test
// fields, which leaks). Relative Frobenius errors. All in float64. Not for: sensor placement
// (sensors.h) or the decoder (engine/models/shallow_decoder.h).
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace curvlab {

// The proper orthogonal decomposition of the training snapshots X [N, m] (mean already removed):
// modes = the left singular vectors of X^T [m, r], r = min(N, m), by decreasing singular value.
struct PodBasis {
  torch::Tensor modes;            // float64 [m, r]
  torch::Tensor singular_values;  // float64 [r]
};
PodBasis pod_basis(const torch::Tensor& snapshots);

// POD: with U_k the k leading modes and S the sensor pixels, each reading row s [n, |S|] gives
// c = pinv(U_k[S, :]) s (least squares; exact when k <= |S| and the field lies in span U_k) and
// the field U_k c. Returns [n, m] float64. ConfigError when k exceeds the modes.
torch::Tensor pod_reconstruct(const PodBasis& basis, std::int64_t k, const torch::Tensor& sensor_pixels,
                              const torch::Tensor& readings);

// POD-plus: coefficients A = U_k^T X^T [k, N] of the training snapshots and their readings R [|S|, N]
// give B = A R^T (R R^T + lambda I)^-1 [k, |S|], lambda = ridge x tr(R R^T) / |S| (ridge is relative
// to the readings' mean energy, so it does not depend on the field's units; ridge = 0: pinv).
struct PodPlusMap {
  torch::Tensor modes;  // [m, k]
  torch::Tensor map;    // [k, |S|]
  double lambda = 0;    // the absolute ridge used
};
PodPlusMap fit_pod_plus(const PodBasis& basis, std::int64_t k, const torch::Tensor& train_snapshots,
                        const torch::Tensor& train_readings, double ridge);
// readings [n, |S|] -> fields [n, m] = (U_k B r)^T
torch::Tensor pod_plus_reconstruct(const PodPlusMap& fit, const torch::Tensor& readings);

// ||pred - truth||_F / ||truth||_F over all rows ([n, m] each), and per row ([n]), in float64.
double relative_error(const torch::Tensor& pred, const torch::Tensor& truth);
torch::Tensor relative_errors_per_row(const torch::Tensor& pred, const torch::Tensor& truth);

}  // namespace curvlab
