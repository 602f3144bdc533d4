// [simulate] (jobs/simulate/simulate_sections.cpp): defaults (the centre and window resolved), every
// key read into SimulateOptions, the sweep's variants (scaled lengths and steps, names), and the
// guards at their keys with the limit and the fix: tau too close to 0.5, U too large, a cylinder
// outside the grid, a window outside the grid.
#include "jobs/simulate/simulate_sections.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

const std::string kHead = "[job]\nname = \"s\"\nkind = \"simulate\"\noutput_dir = \"/tmp/curvlab_simulate_sections\"\n";

JobSpec parse(const std::string& body) { return parse_job_text(kHead + "[simulate]\n" + body, "s.toml"); }

std::string error_of(const std::string& body) {
  try {
    parse(body);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SimulateSections, DefaultsAndTheDefaultVariant) {
  const SimulateOptions s = parse("").simulate;
  EXPECT_EQ(s.lbm.nx, 400);
  EXPECT_EQ(s.lbm.ny, 100);
  EXPECT_EQ(s.lbm.outlet, LbmOutlet::kZeroGradient);
  EXPECT_EQ(s.lbm.walls, LbmWalls::kFreeSlip);
  const std::vector<SimulateVariant> v = simulate_variants(s);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].name, "re100_s1");
  EXPECT_EQ(v[0].options.lbm.center_x, 4 * s.lbm.diameter);
  EXPECT_EQ(v[0].options.lbm.center_y, 50);
  EXPECT_EQ(v[0].options.window.x0, 80);
  EXPECT_EQ(v[0].options.window.x1, 396);
  EXPECT_EQ(v[0].options.window.y1, 100);
  EXPECT_NE(describe_simulate_variants(s).find("re100_s1: 400 x 100 cells"), std::string::npos);
}

TEST(SimulateSections, ReadsEveryKey) {
  const SimulateOptions s =
      parse("nx = 300\nny = 80\ndiameter = 16\ncenter_x = 60\ncenter_y = 41\nu = 0.05\nre = 80\n"
            "outlet = \"convective\"\nwalls = \"periodic\"\nperturbation = 0.1\nwarmup_steps = 100\nsnapshots = 7\n"
            "snapshot_every = 3\nlift_every = 2\nplots = false\n[simulate.window]\nx0 = 70\nx1 = 290\ny0 = 10\n"
            "y1 = 70\n[simulate.sweep]\nre = [60, 100]\nscale = [1, 1.5]\n")
          .simulate;
  EXPECT_EQ(s.lbm.nx, 300);
  EXPECT_EQ(s.lbm.ny, 80);
  EXPECT_EQ(s.lbm.diameter, 16);
  EXPECT_EQ(s.lbm.center_x, 60);
  EXPECT_EQ(s.lbm.center_y, 41);
  EXPECT_EQ(s.lbm.u, 0.05);
  EXPECT_EQ(s.lbm.re, 80);
  EXPECT_EQ(s.lbm.outlet, LbmOutlet::kConvective);
  EXPECT_EQ(s.lbm.walls, LbmWalls::kPeriodic);
  EXPECT_EQ(s.lbm.perturbation, 0.1);
  EXPECT_EQ(s.warmup_steps, 100);
  EXPECT_EQ(s.snapshots, 7);
  EXPECT_EQ(s.snapshot_every, 3);
  EXPECT_EQ(s.lift_every, 2);
  EXPECT_FALSE(s.plots);
  EXPECT_EQ(s.window.x0, 70);
  EXPECT_EQ(s.window.y1, 70);
  const std::vector<SimulateVariant> v = simulate_variants(s);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].name, "re60_s1");
  EXPECT_EQ(v[1].name, "re60_s1p5");
  EXPECT_EQ(v[3].name, "re100_s1p5");
  const SimulateOptions& big = v[3].options;  // every length and step count x 1.5, Re and U kept
  EXPECT_EQ(big.lbm.re, 100);
  EXPECT_EQ(big.lbm.nx, 450);
  EXPECT_EQ(big.lbm.ny, 120);
  EXPECT_EQ(big.lbm.diameter, 24);
  EXPECT_EQ(big.lbm.center_x, 90);
  EXPECT_EQ(big.window.x0, 105);
  EXPECT_EQ(big.window.y1, 105);
  EXPECT_EQ(big.warmup_steps, 150);
  EXPECT_EQ(big.snapshot_every, 5);  // round(4.5)
  EXPECT_EQ(big.snapshots, 7);
  EXPECT_NEAR(lbm_tau(big.lbm), 3 * 0.05 * 24 / 100 + 0.5, 1e-12);
}

TEST(SimulateSections, TauTooCloseToOneHalf) {
  const std::string e = error_of("diameter = 4\ncenter_x = 30\nre = 200\n");
  EXPECT_NE(e.find("s.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("tau = 3 U D / Re + 0.5 = 0.506 is below 0.51"), std::string::npos) << e;
  EXPECT_NE(e.find("simulate.diameter >= 7"), std::string::npos) << e;
  EXPECT_NE(e.find("lower Re (<= 120"), std::string::npos) << e;
  // In a sweep the message names the variant and points at the sweep key.
  const std::string s = error_of("diameter = 10\nre = 50\n[simulate.sweep]\nre = [50, 400]\n");
  EXPECT_NE(s.find("s.toml:9:"), std::string::npos) << s;
  EXPECT_NE(s.find("sweep variant re400_s1"), std::string::npos) << s;
}

TEST(SimulateSections, VelocityTooLarge) {
  const std::string e = error_of("u = 0.3\n");
  EXPECT_NE(e.find("s.toml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("simulate.u = 0.3 is Mach 0.5196"), std::string::npos) << e;
  EXPECT_NE(e.find("use u <= 0.2"), std::string::npos) << e;
  EXPECT_NE(error_of("u = 0\n").find("simulate.u must be > 0 (got 0)"), std::string::npos);
}

TEST(SimulateSections, CylinderOutsideTheGrid) {
  const std::string e = error_of("nx = 100\nny = 30\ndiameter = 30\n");
  EXPECT_NE(e.find("s.toml:8:"), std::string::npos) << e;
  EXPECT_NE(e.find("does not fit the 100 x 30 grid"), std::string::npos) << e;
  EXPECT_NE(e.find("simulate.nx >= 138, simulate.ny >= 33"), std::string::npos) << e;
}

TEST(SimulateSections, WindowOutsideTheGrid) {
  const std::string e = error_of("[simulate.window]\nx0 = 100\nx1 = 500\n");
  EXPECT_NE(e.find("the snapshot window x in [100, 500), y in [0, 100) is empty or outside the 400 x 100 grid"),
            std::string::npos) << e;
  EXPECT_NE(error_of("[simulate.window]\nx0 = 200\nx1 = 150\n").find("0 <= x0 < x1 <= nx"), std::string::npos);
}

TEST(SimulateSections, OtherKindsIgnoreTheGuards) {
  // A train job with a [simulate] table that would fail the guards parses (the rules are the kind's own).
  EXPECT_NO_THROW(parse_job_text("[job]\nname = \"t\"\noutput_dir = \"/tmp/x\"\n[simulate]\nu = 0.3\n", "t.toml"));
}

}  // namespace
}  // namespace curvlab
