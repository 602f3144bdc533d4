// A D2Q9 lattice-Boltzmann solver (BGK, optional Guo body force) for the flow past a cylinder: a
// fused collide+stream "pull" step in plain C++ over rows on OpenMP threads, Zou-He velocity
// inlet, zero-gradient or convective outlet, halfway bounce-back on the cylinder, periodic,
// free-slip or no-slip top and bottom; macroscopic fields, vorticity, the force on the cylinder by
// momentum exchange, and the mass. Lattice units throughout (docs/flow.md).
// Not for: the job's sampling plan or files (jobs/simulate/), signal analysis (strouhal.h).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "algorithms/flow/lbm_options.h"

namespace curvlab {

class LbmD2Q9 {
 public:
  // Sets up the grid and the cylinder, and starts from equilibrium at rho = 1, u = (U, 0) in the
  // fluid plus the transverse bump (options.perturbation) just behind the cylinder.
  explicit LbmD2Q9(const LbmOptions& options);

  // Starts from equilibrium with these fields ([ny * nx], row-major: index y * nx + x).
  void initialise(const std::vector<double>& rho, const std::vector<double>& ux, const std::vector<double>& uy);

  // n time steps (each: every cell pulls its streamed populations, then collides).
  void step(std::int64_t n = 1);

  // Macroscopic fields [ny * nx] (row-major) of the current state; 0 velocity, rho 1 in the solid.
  void macroscopic(std::vector<double>* rho, std::vector<double>* ux, std::vector<double>* uy) const;
  // Sum of rho over the fluid cells.
  double mass() const;
  // Force of the fluid on the cylinder (momentum exchange over the bounce-back links) {F_x, F_y}.
  std::array<double, 2> force() const;
  // False when a population is NaN/Inf (the run went unstable).
  bool finite() const;

  std::int64_t time() const { return time_; }
  double tau() const { return tau_; }
  std::int64_t nx() const { return nx_; }
  std::int64_t ny() const { return ny_; }
  const std::vector<std::uint8_t>& solid() const { return solid_; }  // [ny * nx], 1 = cylinder
  std::int64_t links() const { return static_cast<std::int64_t>(links_.size()); }
  const LbmOptions& options() const { return o_; }

 private:
  double pull(int q, std::int64_t x, std::int64_t y) const;
  void slow_cell(std::int64_t x, std::int64_t y);
  void row(std::int64_t y);

  LbmOptions o_;
  std::int64_t nx_, ny_, n_;
  double tau_, omega_;
  std::int64_t time_ = 0;
  std::vector<double> f_, g_;              // [9][ny][nx]: post-collision populations (f_ current)
  std::vector<std::uint8_t> solid_;
  std::vector<std::vector<std::array<std::int64_t, 2>>> fast_;  // per row: [x0, x1) runs of plain cells
  std::vector<std::vector<std::int64_t>> slow_;                 // per row: cells with a boundary nearby
  std::vector<std::array<std::int64_t, 2>> links_;              // (cell, q): cell + c_q is solid
  std::vector<double> outlet_prev_;        // [3][ny] convective outlet: last unknowns at x = nx - 1
};

// Vorticity d(uy)/dx - d(ux)/dy by central differences ([ny * nx]; one-sided at the grid's edges,
// wrapped in y when periodic_y), 0 in the solid.
std::vector<double> vorticity(const std::vector<double>& ux, const std::vector<double>& uy,
                              const std::vector<std::uint8_t>& solid, std::int64_t nx, std::int64_t ny, bool periodic_y);

}  // namespace curvlab
