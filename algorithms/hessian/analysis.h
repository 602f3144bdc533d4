// One Hessian analysis of a model on a sample set, as a hessian job (or the training-time tracker)
// asks for it: Hutchinson traces (total, per layer, per parameter tensor), top-k eigenvalues
// (whole model and per layer), SLQ density; and how it is saved to HDF5 (layout: docs/hessian.md).
// Not for: loading checkpoints or data (jobs/hessian/hessian_runner.cpp) or plots (jobs/hessian/hessian_plots.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/hessian/eigen.h"
#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/slq.h"
#include "algorithms/hessian/hessian_options.h"
#include "base/state_io.h"

namespace curvlab {

struct HessianReport {
  std::int64_t samples = 0;     // global sample count of the loss
  std::int64_t params = 0;
  double loss = 0;              // mean loss on the samples
  double grad_norm = 0;
  std::vector<ParamGroup> layers;
  std::vector<std::string> param_names;
  std::vector<std::int64_t> param_numel;
  std::optional<TraceResult> trace;   // groups: layers first, then parameter tensors
  std::optional<EigenResult> eigen;
  std::vector<EigenResult> layer_eigen;  // per layer (when per_layer)
  std::optional<SlqResult> density;
  double seconds_trace = 0, seconds_eigen = 0, seconds_density = 0;

  Estimate layer_trace(std::size_t layer) const { return trace->groups[layer]; }
  Estimate param_trace(std::size_t param) const { return trace->groups[layers.size() + param]; }
};

// `op`: the data-parallel operator (used for eigenvalues and density, and for traces when
// trace_parallel = "data"). `local_op` (may be null unless trace_parallel = kSamples): an
// operator over the whole sample set on this rank, for sample-parallel traces over `comm`.
// Collective over `comm`. Random streams come from `seed` (the job's seed).
HessianReport analyze_hessian(HvpOperator& op, HvpOperator* local_op, const HessianOptions& spec, std::uint64_t seed,
                              const CommunicatorPtr& comm);

// Writes the report under `prefix` ("" for the root): see docs/hessian.md for the layout.
void save_hessian_report(const HessianReport& r, StateWriter& w, const std::string& prefix);

}  // namespace curvlab
