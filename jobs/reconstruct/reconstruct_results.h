// What a reconstruct study measured and where it goes: per sensor count and method, relative
// errors on the training and test snapshots (of the deviation from the training mean, and of the
// whole field), per test snapshot, and the drawn snapshot's fields; reconstruct.h5, the CSVs and
// the table on stdout. Layout: docs/flow.md. Not for: computing them (reconstruct_runner.cpp).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/flow/reconstruct_options.h"
#include "algorithms/flow/sensors.h"
#include "base/state_io.h"

namespace curvlab {

struct MethodErrors {
  ReconstructMethod method = ReconstructMethod::kPod;
  double train_error = 0, test_error = 0;                      // ||pred - X|| / ||X||, X = field - mean
  double train_error_with_mean = 0, test_error_with_mean = 0;  // the same on the fields themselves
  torch::Tensor test_errors;              // float64 [n_test]: per snapshot, deviation
  torch::Tensor test_errors_with_mean;    // float64 [n_test]
  torch::Tensor plot_field;               // float32 [H, W]: the drawn test snapshot, mean added
  double seconds = 0;                     // fit (decoder: training) time
};

struct CountRecord {
  std::int64_t sensors = 0;
  SensorLayout layout;
  std::string decoder_run;               // the decoder's train run directory ("" without a decoder)
  std::int64_t decoder_steps = 0;
  std::vector<MethodErrors> methods;     // in the job's method order
};

struct ReconstructStudy {
  std::string field;                     // vorticity | ux | uy
  std::string units = "lattice";         // data.flow.units
  double scale = 1;                      // the stored field times this = the field studied
  FlowGeometry geometry;
  torch::Tensor mean;                    // float32 [H*W]
  torch::Tensor test_steps;              // int64 [n_test]
  std::int64_t plot_snapshot = 0;
  torch::Tensor plot_truth;              // float32 [H, W]
  std::vector<CountRecord> counts;
};

// reconstruct.h5 content: field, units, scale, sensors_<s>/{pixels, rows, cols, x, y}, sensors_<s>/<method>/{test_errors,
// test_errors_with_mean, plot_field} and scalars, geometry/{x, y, mask}, mean, test_steps, plot_truth.
void save_reconstruct_study(const ReconstructStudy& study, StateWriter& out);
// <dir>/reconstruct_summary.csv (one row per count x method) and <dir>/reconstruct_errors.csv
// (one row per count x method x test snapshot).
void write_reconstruct_csvs(const ReconstructStudy& study, const std::string& dir);
// The summary as a text table.
std::string format_reconstruct_table(const ReconstructStudy& study);

}  // namespace curvlab
