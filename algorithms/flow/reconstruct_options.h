// Options of the flow-reconstruction study ([reconstruct] of a job file, docs/flow.md): which sensor
// counts, which methods (the shallow decoder, POD, POD-plus), the POD-plus ridge, what is plotted.
// Filled by jobs/ (jobs/reconstruct/reconstruct_sections.cpp); the decoder's training is [train]'s.
#pragma once

#include <cstdint>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class ReconstructMethod { kDecoder, kPod, kPodPlus };
const EnumNames<ReconstructMethod>& reconstruct_method_names();  // "decoder", "pod", "pod_plus"

struct ReconstructStudyOptions {
  std::vector<std::int64_t> sensor_counts = {3, 5, 10, 20};
  std::vector<ReconstructMethod> methods = {ReconstructMethod::kDecoder, ReconstructMethod::kPod,
                                            ReconstructMethod::kPodPlus};
  double pod_plus_ridge = 1e-6;      // relative to the readings' mean energy (algorithms/flow/pod.h)
  std::int64_t pod_plus_modes = 0;   // 0: as many modes as sensors
  std::int64_t plot_snapshot = 0;    // the test snapshot drawn in the field plots
  std::int64_t plot_sensors = 5;     // the sensor count of the error-over-time plot (else the first)
  bool plots = true;
};

}  // namespace curvlab
