// The lattice-Boltzmann options (algorithms/flow/lbm_options.cpp): enum names round trip, tau from
// Re, and the default crop window.
#include "algorithms/flow/lbm_options.h"

#include <gtest/gtest.h>

namespace curvlab {
namespace {

TEST(LbmOptions, EnumNamesRoundTrip) {
  EXPECT_EQ(lbm_outlet_names().names(), (std::vector<std::string>{"zero_gradient", "convective"}));
  EXPECT_EQ(lbm_walls_names().names(), (std::vector<std::string>{"periodic", "free_slip", "no_slip"}));
  for (auto w : {LbmWalls::kPeriodic, LbmWalls::kFreeSlip, LbmWalls::kNoSlip}) {
    EXPECT_EQ(lbm_walls_names().find(lbm_walls_names().name(w)), w);
  }
  for (auto w : {LbmOutlet::kZeroGradient, LbmOutlet::kConvective}) {
    EXPECT_EQ(lbm_outlet_names().find(lbm_outlet_names().name(w)), w);
  }
}

TEST(LbmOptions, TauAndWindow) {
  LbmOptions o;
  o.u = 0.1;
  o.diameter = 20;
  o.re = 100;
  EXPECT_NEAR(lbm_tau(o), 0.56, 1e-12);
  o.tau_override = 0.9;
  EXPECT_EQ(lbm_tau(o), 0.9);
  o.center_x = 80.5;
  const FlowWindow w = resolved_window(FlowWindow{}, o);
  EXPECT_EQ(w.x0, 80);
  EXPECT_EQ(w.x1, o.nx - 4);
  EXPECT_EQ(w.y0, 0);
  EXPECT_EQ(w.y1, o.ny);
  const FlowWindow given{10, 20, 5, 6};
  EXPECT_EQ(resolved_window(given, o).x1, 20);
}

}  // namespace
}  // namespace curvlab
