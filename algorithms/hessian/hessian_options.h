// Options of a Hessian analysis ([hessian] in a job file): the sample set, what to estimate and how,
// and curvature tracking during training. Declared here, filled by jobs/; no torch in this header.
#pragma once

#include <cstdint>
#include <string>

#include "base/enum_names.h"

namespace curvlab {

enum class DataSplit { kTrain, kTest };
const EnumNames<DataSplit>& split_names();            // "train", "test"
enum class ModelMode { kEval, kTrain };
const EnumNames<ModelMode>& model_mode_names();       // "eval" (batch norm running statistics), "train"
enum class TraceParallel { kData, kSamples };
const EnumNames<TraceParallel>& trace_parallel_names();  // "data", "samples"
enum class EigenMethod { kLanczos, kPower };
const EnumNames<EigenMethod>& eigen_method_names();   // "lanczos", "power"

struct HessianOptions {
  std::string checkpoint;                  // hessian job: a checkpoint file, or a run directory
  DataSplit split = DataSplit::kTrain;     // where the samples come from
  std::int64_t samples = 1000;             // the first N samples of the split; 0 = the whole split
  std::int64_t batch_size = 64;            // samples per forward/backward on one rank (cache-sized)
  ModelMode model_mode = ModelMode::kEval;
  bool cache_graph = true;                 // keep the gradient graph between products
  bool trace = true;                       // Hutchinson trace (total and per layer)
  bool eigenvalues = true;                 // top-k eigenvalues (whole model, and per layer)
  bool density = true;                     // SLQ spectral density
  bool hawq = false;                       // HAWQ-V2 bit allocation ([quant] section)
  bool per_layer = true;                   // per-layer eigenvalues (traces are always per layer)
  TraceParallel trace_parallel = TraceParallel::kData;
  double trace_tol = 1e-2;                 // relative standard error at which to stop
  std::int64_t trace_min_samples = 10;
  std::int64_t trace_max_samples = 200;
  std::int64_t top_k = 3;
  EigenMethod eigen_method = EigenMethod::kLanczos;
  double eigen_tol = 1e-3;
  std::int64_t eigen_max_iter = 100;
  std::int64_t slq_runs = 5;
  std::int64_t slq_steps = 50;
  double slq_sigma = 0.0;                  // 0 = 1% of the spread of the Ritz values
  std::int64_t density_points = 1000;
  bool plots = true;                       // gnuplot PNG + SVG next to the results
  std::int64_t track_every_epochs = 0;     // train jobs: top eigenvalue every N epochs (0 = off)
  std::int64_t track_every_steps = 0;      // train jobs: ... or every N steps (at evaluations)
};

}  // namespace curvlab
