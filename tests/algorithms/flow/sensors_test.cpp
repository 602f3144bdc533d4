// Sensor placement (algorithms/flow/sensors.cpp): deterministic for a seed, different for another,
// wall sensors on the downstream half of the circle at the asked radius (within half a cell after
// rounding), never in the solid, random sensors distinct fluid pixels, and the too-many-sensors error.
#include "algorithms/flow/sensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <set>

#include "base/error.h"

namespace curvlab {
namespace {

// A 40 x 80 window starting at lattice (10, 0) around a cylinder of diameter 10 at (20, 20).
FlowGeometry geometry() {
  FlowGeometry g;
  g.height = 40;
  g.width = 80;
  for (std::int64_t i = 0; i < g.width; ++i) g.x.push_back(10 + i);
  for (std::int64_t i = 0; i < g.height; ++i) g.y.push_back(i);
  g.center_x = 20;
  g.center_y = 20;
  g.diameter = 10;
  g.mask = torch::zeros({g.height, g.width}, torch::kUInt8);
  for (std::int64_t r = 0; r < g.height; ++r) {
    for (std::int64_t c = 0; c < g.width; ++c) {
      if (std::hypot(static_cast<double>(g.x[c]) - 20, static_cast<double>(g.y[r]) - 20) <= 5) g.mask[r][c] = 1;
    }
  }
  return g;
}

TEST(Sensors, WallPlacementIsDeterministicAndDownstream) {
  const FlowGeometry g = geometry();
  SensorOptions o;
  o.count = 10;
  o.seed = 3;
  const SensorLayout a = place_sensors(o, g), b = place_sensors(o, g);
  EXPECT_EQ(a.pixels, b.pixels);
  o.seed = 4;
  EXPECT_NE(place_sensors(o, g).pixels, a.pixels);
  EXPECT_EQ(std::set<std::int64_t>(a.pixels.begin(), a.pixels.end()).size(), 10u);
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    EXPECT_EQ(a.pixels[i], a.rows[i] * g.width + a.cols[i]);
    const double x = static_cast<double>(g.x[a.cols[i]]), y = static_cast<double>(g.y[a.rows[i]]);
    EXPECT_GT(x, g.center_x);
    EXPECT_NEAR(std::hypot(x - g.center_x, y - g.center_y), 0.55 * 10, 0.75);
    EXPECT_EQ(g.mask[a.rows[i]][a.cols[i]].item<int>(), 0);
  }
  EXPECT_EQ(place_sensors(o, g).index().sizes(), (std::vector<std::int64_t>{10}));
}

TEST(Sensors, RandomPlacementAvoidsTheSolid) {
  const FlowGeometry g = geometry();
  SensorOptions o;
  o.placement = SensorPlacement::kRandom;
  o.count = 500;
  const SensorLayout s = place_sensors(o, g);
  EXPECT_EQ(std::set<std::int64_t>(s.pixels.begin(), s.pixels.end()).size(), 500u);
  for (std::size_t i = 0; i < s.pixels.size(); ++i) EXPECT_EQ(g.mask[s.rows[i]][s.cols[i]].item<int>(), 0);
  EXPECT_EQ(sensor_candidates(o, g).size(),
            static_cast<std::size_t>(g.height * g.width - g.mask.sum().item<std::int64_t>()));
}

TEST(Sensors, TooManySensorsSaysWhatToChange) {
  const FlowGeometry g = geometry();
  SensorOptions o;
  o.count = 1000;
  try {
    place_sensors(o, g);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("1000 sensors asked for, but placement \"wall\" has only"), std::string::npos) << m;
    EXPECT_NE(m.find("placement = \"random\""), std::string::npos) << m;
  }
  o.count = 0;
  EXPECT_THROW(place_sensors(o, g), ConfigError);
}

}  // namespace
}  // namespace curvlab
