// Sensor placement (see sensors.h).
#include "algorithms/flow/sensors.h"

#include <cmath>
#include <set>
#include <utility>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {

const EnumNames<SensorPlacement>& sensor_placement_names() {
  static const EnumNames<SensorPlacement> names = {{SensorPlacement::kWall, "wall"},
                                                   {SensorPlacement::kRandom, "random"}};
  return names;
}

torch::Tensor SensorLayout::index() const {
  return torch::tensor(pixels, torch::kInt64);
}

namespace {

// Column (row) of lattice coordinate v in the window, or -1.
std::int64_t position_of(const std::vector<std::int64_t>& coords, std::int64_t v) {
  for (std::size_t i = 0; i < coords.size(); ++i) {
    if (coords[i] == v) return static_cast<std::int64_t>(i);
  }
  return -1;
}

}  // namespace

std::vector<std::int64_t> sensor_candidates(const SensorOptions& o, const FlowGeometry& g) {
  CURVLAB_CHECK(g.mask.defined() && g.mask.dim() == 2 && g.mask.size(0) == g.height && g.mask.size(1) == g.width,
                ConfigError, "flow geometry: the mask must be [H, W] = [" + std::to_string(g.height) + ", " +
                                 std::to_string(g.width) + "]");
  const torch::Tensor mask = g.mask.to(torch::kUInt8).contiguous();
  const std::uint8_t* solid = mask.data_ptr<std::uint8_t>();
  std::vector<std::int64_t> out;
  if (o.placement == SensorPlacement::kRandom) {
    for (std::int64_t p = 0; p < g.height * g.width; ++p) {
      if (solid[p] == 0) out.push_back(p);
    }
    return out;
  }
  const double radius = o.wall_distance * g.diameter;
  std::set<std::pair<std::int64_t, std::int64_t>> seen;
  constexpr int kAngles = 720;
  for (int k = 0; k < kAngles; ++k) {
    const double theta = 2.0 * M_PI * k / kAngles;
    const auto lx = static_cast<std::int64_t>(std::lround(g.center_x + radius * std::cos(theta)));
    const auto ly = static_cast<std::int64_t>(std::lround(g.center_y + radius * std::sin(theta)));
    if (static_cast<double>(lx) <= g.center_x || !seen.insert({lx, ly}).second) continue;
    const std::int64_t col = position_of(g.x, lx), row = position_of(g.y, ly);
    if (col < 0 || row < 0) continue;
    const std::int64_t p = row * g.width + col;
    if (solid[p] == 0) out.push_back(p);
  }
  return out;
}

SensorLayout place_sensors(const SensorOptions& o, const FlowGeometry& g) {
  CURVLAB_CHECK(o.count >= 1, ConfigError, "the number of sensors must be >= 1 (got " + std::to_string(o.count) + ")");
  std::vector<std::int64_t> c = sensor_candidates(o, g);
  const std::string& how = sensor_placement_names().name(o.placement);
  CURVLAB_CHECK(static_cast<std::int64_t>(c.size()) >= o.count, ConfigError,
                std::to_string(o.count) + " sensors asked for, but placement \"" + how + "\" has only " +
                    std::to_string(c.size()) + " candidate positions in the field's window" +
                    (o.placement == SensorPlacement::kWall
                         ? " (a circle of radius " + std::to_string(o.wall_distance) +
                               " diameters, downstream half); use fewer sensors, a larger wall_distance, a finer "
                               "grid, or placement = \"random\""
                         : "; use fewer sensors"));
  SplitMix64 rng(derive_seed(o.seed, "sensors"));
  SensorLayout s;
  for (std::int64_t i = 0; i < o.count; ++i) {  // partial Fisher-Yates: c[i] from c[i..]
    const auto left = static_cast<std::uint64_t>(c.size()) - static_cast<std::uint64_t>(i);
    const auto j = i + static_cast<std::int64_t>(rng.next() % left);
    std::swap(c[static_cast<std::size_t>(i)], c[static_cast<std::size_t>(j)]);
    const std::int64_t p = c[static_cast<std::size_t>(i)];
    s.pixels.push_back(p);
    s.rows.push_back(p / g.width);
    s.cols.push_back(p % g.width);
  }
  return s;
}

}  // namespace curvlab
