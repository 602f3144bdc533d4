// Point sensors on a flow field's window: deterministic, seeded placement ("wall" on a circle
// downstream of the cylinder, or "random" fluid points) as flat pixel indices. Not for: reading
// the field (engine/data/flow_data.h) or reconstructing from the readings (pod.h, the decoder).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "algorithms/flow/sensor_options.h"

namespace curvlab {

// The window a field lives on: H rows x W columns, the lattice coordinates of each, the solid mask,
// and the cylinder (lattice units).
struct FlowGeometry {
  std::int64_t height = 0, width = 0;
  std::vector<std::int64_t> x;  // [W] lattice x of each column
  std::vector<std::int64_t> y;  // [H] lattice y of each row
  torch::Tensor mask;           // uint8 [H, W], 1 = solid
  double center_x = 0, center_y = 0, diameter = 0;
};

struct SensorLayout {
  std::vector<std::int64_t> pixels;  // flat row-major indices into the H x W window, in draw order
  std::vector<std::int64_t> rows, cols;
  torch::Tensor index() const;       // int64 [s]: pixels as a tensor
};

// The candidate positions of a placement, in a fixed order (before the seeded draw):
// wall: the lattice points nearest to 720 equally spaced angles on the circle of radius
// wall_distance x diameter, deduplicated, downstream (x > center_x), inside the window, not solid;
// random: every fluid pixel of the window.
std::vector<std::int64_t> sensor_candidates(const SensorOptions& options, const FlowGeometry& g);

// `options.count` distinct candidates drawn with the placement's seed (partial Fisher-Yates on
// SplitMix64). ConfigError when there are fewer candidates than sensors (saying how many there are
// and what to change).
SensorLayout place_sensors(const SensorOptions& options, const FlowGeometry& g);

}  // namespace curvlab
