// The `flow` data set: snapshots of one field of a flow.h5 (the simulate job's output, format in
// docs/flow.md) split by time, the per-pixel training mean removed, and the readings of point
// sensors placed on its window (algorithms/flow/sensors.h). Used by the data registry (inputs =
// readings [N, 1, 1, s], targets = fields [N, H*W]) and by the reconstruct job (POD baselines, plots).
// Not for: writing flow.h5 (jobs/simulate/) or reconstructing (algorithms/flow/pod.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/flow/sensors.h"
#include "engine/data/data_options.h"

namespace curvlab {

// What a flow.h5 holds, from its metadata only. IoError when the file is missing, not HDF5,
// truncated, or lacks the field, the mask or the cylinder parameters (naming what is missing).
struct FlowFileInfo {
  std::int64_t snapshots = 0, height = 0, width = 0;
};
FlowFileInfo probe_flow_file(const FlowDataOptions& options);

struct FlowData {
  FlowGeometry geometry;
  double scale = 1;                             // what the stored field was multiplied by (units)
  SensorLayout sensors;
  torch::Tensor mean;                           // float32 [m], m = H*W: the training snapshots' mean
  torch::Tensor train, test;                    // float32 [N, m]: fields minus `mean`
  torch::Tensor train_readings, test_readings;  // float32 [N, s]: train/test at the sensor pixels
  torch::Tensor train_steps, test_steps;        // int64 [N]: lattice step of each snapshot
};
// Reads the field, scales it to options.units, splits it (ConfigError when train + test snapshots
// exceed the file's), removes the training mean and places the sensors.
FlowData load_flow_data(const FlowDataOptions& options);
// (Re)places the sensors of `d` and reads them off its fields: another sensor count or seed on the
// same loaded field (the reconstruct job's sweep) without reading the file again.
void place_flow_sensors(FlowData& d, const SensorOptions& sensors);

// The names data.flow.field and data.flow.units accept.
const std::vector<std::string>& flow_field_names();
const std::vector<std::string>& flow_unit_names();

}  // namespace curvlab
