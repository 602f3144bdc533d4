// A small reconstruct study built by hand for the results and plots tests: 2 sensor counts x 2
// methods on a 3 x 4 window, 3 test snapshots, errors chosen so every value is recognisable.
#pragma once

#include <torch/torch.h>

#include "jobs/reconstruct/reconstruct_results.h"

namespace curvlab::testing_reconstruct {

inline ReconstructStudy small_study() {
  ReconstructStudy s;
  s.field = "vorticity";
  s.geometry.height = 3;
  s.geometry.width = 4;
  s.geometry.x = {10, 11, 12, 13};
  s.geometry.y = {0, 1, 2};
  s.geometry.mask = torch::zeros({3, 4}, torch::kUInt8);
  s.geometry.center_x = 9;
  s.geometry.center_y = 1;
  s.geometry.diameter = 2;
  s.mean = torch::arange(12, torch::kFloat32);
  s.test_steps = torch::tensor({100, 110, 120}, torch::kInt64);
  s.plot_snapshot = 1;
  s.plot_truth = torch::linspace(-1, 1, 12).reshape({3, 4});
  for (std::int64_t sensors : {2, 3}) {
    CountRecord c;
    c.sensors = sensors;
    for (std::int64_t k = 0; k < sensors; ++k) {
      c.layout.pixels.push_back(k * 5);
      c.layout.rows.push_back(k * 5 / 4);
      c.layout.cols.push_back(k * 5 % 4);
    }
    for (ReconstructMethod m : {ReconstructMethod::kDecoder, ReconstructMethod::kPod}) {
      MethodErrors e;
      e.method = m;
      const double base = (m == ReconstructMethod::kPod ? 0.5 : 0.1) / static_cast<double>(sensors);
      e.train_error = base / 2;
      e.test_error = base;
      e.train_error_with_mean = base / 20;
      e.test_error_with_mean = base / 10;
      e.test_errors = torch::tensor({base, 2 * base, 3 * base}, torch::kFloat64);
      e.test_errors_with_mean = e.test_errors / 10;
      e.plot_field = s.plot_truth * (1 - base);
      e.seconds = 1.5;
      c.methods.push_back(e);
    }
    s.counts.push_back(c);
  }
  return s;
}

}  // namespace curvlab::testing_reconstruct
