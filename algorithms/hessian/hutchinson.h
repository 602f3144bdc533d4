// Hutchinson's trace estimator with Rademacher probes z: Tr(H) ~ mean of z^T H z, and per layer
// Tr(H_gg) ~ mean of z_g^T (H z)_g from the same products (so the layers sum to the total exactly,
// sample by sample). Running mean, standard error (sample std / sqrt(n)) and a stopping rule:
// stop once n >= min_samples and SE / |mean| < tol, or at max_samples.
// Probe i is drawn from seed derive_seed(seed, "hutchinson", i), the same on every rank, so the
// estimate does not depend on the rank count or on the parallel mode:
//   data-parallel: every rank takes part in every product (the operator reduces over ranks);
//   sample-parallel: each rank holds the whole sample set and computes probes i = r, r + W, ...;
//     after each round of W probes the per-probe values are allgathered (in probe order).
// Not for: the products themselves (hvp.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/linear_operator.h"
#include "comm/communicator.h"

namespace curvlab {

struct Estimate {
  double mean = 0;
  // Standard error of the mean; NaN with fewer than 2 values (one value says nothing of its spread:
  // 0 would read as exact).
  double se = std::numeric_limits<double>::quiet_NaN();
};

struct TraceOptions {
  double tol = 1e-2;             // relative standard error at which to stop
  std::int64_t min_samples = 10;
  std::int64_t max_samples = 200;
  std::uint64_t seed = 0;
};

struct TraceResult {
  Estimate total;
  std::vector<Estimate> groups;     // one per block, in the order given
  std::vector<double> per_probe;    // z^T H z of each probe, in probe order
  std::vector<double> running_mean; // after 1, 2, ... probes
  std::vector<double> running_se;
  std::int64_t samples = 0;
  std::int64_t hvps = 0;            // products computed (by all ranks together)
  bool converged = false;           // stopped by tol (false: by max_samples)
};

// Mean and standard error of the values.
Estimate mean_and_se(const std::vector<double>& values);

// `blocks` are (offset, numel) slices of the flat vector (e.g. the layers of an HvpOperator).
// sample_comm null: data-parallel (op is collective or local). Else sample-parallel over
// sample_comm (op must be local to each rank and identical on all ranks).
TraceResult hutchinson_trace(const LinearOperator& op, const std::vector<std::pair<std::int64_t, std::int64_t>>& blocks,
                             const TraceOptions& options, const CommunicatorPtr& sample_comm = nullptr);

}  // namespace curvlab
