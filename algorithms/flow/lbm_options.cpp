// The job-file names of the lattice-Boltzmann solver's enums and the options' derived values
// (see lbm_options.h).
#include "algorithms/flow/lbm_options.h"

#include <cmath>

namespace curvlab {

const EnumNames<LbmOutlet>& lbm_outlet_names() {
  static const EnumNames<LbmOutlet> names = {{LbmOutlet::kZeroGradient, "zero_gradient"},
                                             {LbmOutlet::kConvective, "convective"}};
  return names;
}

const EnumNames<LbmWalls>& lbm_walls_names() {
  static const EnumNames<LbmWalls> names = {
      {LbmWalls::kPeriodic, "periodic"}, {LbmWalls::kFreeSlip, "free_slip"}, {LbmWalls::kNoSlip, "no_slip"}};
  return names;
}

LbmOptions with_center(LbmOptions o) {
  if (o.center_x < 0) o.center_x = 4 * o.diameter;
  if (o.center_y < 0) o.center_y = 0.5 * static_cast<double>(o.ny);
  return o;
}

double lbm_tau(const LbmOptions& o) {
  if (o.tau_override > 0) return o.tau_override;
  return 3.0 * o.u * o.diameter / o.re + 0.5;
}

FlowWindow resolved_window(const FlowWindow& w, const LbmOptions& o) {
  FlowWindow r = w;
  if (r.x0 < 0) r.x0 = static_cast<std::int64_t>(std::floor(o.center_x));
  if (r.x1 < 0) r.x1 = o.nx - 4;
  if (r.y0 < 0) r.y0 = 0;
  if (r.y1 < 0) r.y1 = o.ny;
  return r;
}

}  // namespace curvlab
