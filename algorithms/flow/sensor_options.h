// Options of sensor placement for flow reconstruction ([data.flow] sensors, placement, sensor_seed,
// wall_distance): how many point sensors and where. Filled by jobs/; used by algorithms/flow/sensors.h.
#pragma once

#include <cstdint>

#include "base/enum_names.h"

namespace curvlab {

// wall: random points on a circle around the cylinder, on its downstream half (Erichson et al.);
// random: random fluid points of the whole field.
enum class SensorPlacement { kWall, kRandom };
const EnumNames<SensorPlacement>& sensor_placement_names();  // "wall", "random"

struct SensorOptions {
  std::int64_t count = 5;
  SensorPlacement placement = SensorPlacement::kWall;
  std::uint64_t seed = 0;       // the placement's own seed (same seed, same sensors, any job seed)
  double wall_distance = 0.55;  // wall: radius of the sensor circle in cylinder diameters (> 0.5: outside it)
};

}  // namespace curvlab
