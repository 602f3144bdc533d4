// Options of the D2Q9 lattice-Boltzmann cylinder-wake solver (the `simulate` job kind): grid,
// cylinder, flow (Re, U), boundaries, the start-up perturbation, and the study's sampling plan.
// Filled by jobs/ (docs/flow.md). Not for: computing anything (lbm_d2q9.h, strouhal.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

// The right-hand (x = nx - 1) boundary: the unknown populations copied from the neighbouring
// column (zero gradient), or advected out at the inflow speed (convective, Orlanski-type with U).
enum class LbmOutlet { kZeroGradient, kConvective };
// "zero_gradient", "convective"
const EnumNames<LbmOutlet>& lbm_outlet_names();

// Top and bottom (y = 0, ny - 1): periodic, free-slip (specular reflection), or no-slip (halfway
// bounce-back: a channel).
enum class LbmWalls { kPeriodic, kFreeSlip, kNoSlip };
// "periodic", "free_slip", "no_slip"
const EnumNames<LbmWalls>& lbm_walls_names();

// The limits the job checks before it runs (docs/flow.md, "Guards").
constexpr double kLbmMinTau = 0.51;     // BGK goes unstable as tau -> 0.5 (nu -> 0)
constexpr double kLbmMaxVelocity = 0.2; // Mach U sqrt(3) <= 0.35: compressibility error stays small

// The solver itself (lattice units: dx = dt = 1, rho0 = 1, c_s^2 = 1/3).
struct LbmOptions {
  std::int64_t nx = 400, ny = 100;
  double diameter = 20;                 // cylinder diameter in cells (0: no cylinder)
  // Cylinder centre (cell-centre coordinates); negative: 4 D from the inlet, mid-height (ny / 2).
  double center_x = -1, center_y = -1;
  double u = 0.1;                       // inflow velocity
  double re = 100;                      // Reynolds number U D / nu: tau = 3 U D / Re + 0.5
  LbmOutlet outlet = LbmOutlet::kZeroGradient;
  LbmWalls walls = LbmWalls::kFreeSlip;
  double perturbation = 0.05;           // initial transverse velocity bump, as a fraction of U
  int threads = 1;                      // rows are split among this many OpenMP threads
  // For verification (not in job files): periodic in x instead of inlet/outlet, and a body force
  // (Guo forcing) that drives plane Poiseuille flow.
  bool periodic_x = false;
  double force_x = 0, force_y = 0;
  double tau_override = 0;              // > 0: use this tau instead of the one from Re (no cylinder)
};

// The centre with its defaults filled in (see LbmOptions::center_x).
LbmOptions with_center(LbmOptions o);

// tau = 3 U D / Re + 0.5 (or tau_override).
double lbm_tau(const LbmOptions& o);

// The crop window written to flow.h5 (lattice indices, half-open [x0, x1) x [y0, y1)).
struct FlowWindow {
  std::int64_t x0 = -1, x1 = -1, y0 = -1, y1 = -1;  // -1: the default (docs/flow.md)
};

// [simulate]: one simulation, or a sweep of variants (re x scale) divided among the ranks.
struct SimulateOptions {
  LbmOptions lbm;
  std::int64_t warmup_steps = 20000;
  std::int64_t snapshots = 151;
  std::int64_t snapshot_every = 33;   // ~1/30 of a shedding period at the defaults (St ~0.2: 1000 steps)
  std::int64_t lift_every = 1;          // lift/drag samples after warmup, every k steps
  FlowWindow window;
  bool plots = true;
  // [simulate.sweep]: every (re, scale) pair is a variant. scale multiplies every length (nx, ny,
  // D, centre, window) and warmup_steps and snapshot_every (same U and Re: the same flow, finer).
  std::vector<double> sweep_re;
  std::vector<double> sweep_scale;
};

// The window of `o` with defaults filled in: from the cylinder centre to the outlet minus 4 cells,
// the whole height.
FlowWindow resolved_window(const FlowWindow& w, const LbmOptions& o);

}  // namespace curvlab
