// The D2Q9 solver (see lbm_d2q9.h). Layout: structure of arrays f[q][y][x] in two buffers; a step
// reads the post-collision buffer f_ and writes g_ ("pull": a cell gathers f_q from x - c_q, then
// collides), so one step moves 9 doubles in and 9 out per cell. Cells far from every boundary take
// the vectorised run kernel; the rest (edges, the cylinder's neighbours) the generic path.
#include "algorithms/flow/lbm_d2q9.h"

#include <cmath>
#include <limits>

namespace curvlab {
namespace {

// D2Q9: 0 rest, 1 E, 2 N, 3 W, 4 S, 5 NE, 6 NW, 7 SW, 8 SE.
constexpr int kCx[9] = {0, 1, 0, -1, 0, 1, -1, -1, 1};
constexpr int kCy[9] = {0, 0, 1, 0, -1, 1, 1, -1, -1};
constexpr double kW[9] = {4.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 36, 1.0 / 36, 1.0 / 36, 1.0 / 36};
constexpr int kOpp[9] = {0, 3, 4, 1, 2, 7, 8, 5, 6};
constexpr int kMirrorY[9] = {0, 1, 4, 3, 2, 8, 7, 6, 5};  // c_y -> -c_y
constexpr int kOutletUnknown[3] = {3, 6, 7};              // c_x = -1: unknown at x = nx - 1

// BGK collision of one cell in place (Guo forcing when kForce): u = (sum f c + F / 2) / rho.
template <bool kForce>
inline void collide(double* f, double omega, double fx, double fy) {
  const double rho = f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7] + f[8];
  double mx = f[1] - f[3] + f[5] - f[6] - f[7] + f[8];
  double my = f[2] - f[4] + f[5] + f[6] - f[7] - f[8];
  if (kForce) {
    mx += 0.5 * fx;
    my += 0.5 * fy;
  }
  const double inv = 1.0 / rho;
  const double ux = mx * inv, uy = my * inv;
  const double usq = 1.5 * (ux * ux + uy * uy);
  for (int q = 0; q < 9; ++q) {
    const double cu = 3.0 * (kCx[q] * ux + kCy[q] * uy);
    const double feq = kW[q] * rho * (1.0 + cu + 0.5 * cu * cu - usq);
    double out = f[q] - omega * (f[q] - feq);
    if (kForce) {
      out += (1.0 - 0.5 * omega) * kW[q] *
             (3.0 * ((kCx[q] - ux) * fx + (kCy[q] - uy) * fy) + cu * 3.0 * (kCx[q] * fx + kCy[q] * fy));
    }
    f[q] = out;
  }
}

// The run kernel: n cells of one row, src[q] already offset to the pulled neighbour.
template <bool kForce>
void collide_run(const double* const* src, double* const* dst, std::int64_t n, double omega, double fx, double fy) {
  const double* __restrict s0 = src[0];
  const double* __restrict s1 = src[1];
  const double* __restrict s2 = src[2];
  const double* __restrict s3 = src[3];
  const double* __restrict s4 = src[4];
  const double* __restrict s5 = src[5];
  const double* __restrict s6 = src[6];
  const double* __restrict s7 = src[7];
  const double* __restrict s8 = src[8];
  double* __restrict d0 = dst[0];
  double* __restrict d1 = dst[1];
  double* __restrict d2 = dst[2];
  double* __restrict d3 = dst[3];
  double* __restrict d4 = dst[4];
  double* __restrict d5 = dst[5];
  double* __restrict d6 = dst[6];
  double* __restrict d7 = dst[7];
  double* __restrict d8 = dst[8];
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    // Written out per direction (no inner loop) so the compiler vectorises across cells.
    const double f0 = s0[i], f1 = s1[i], f2 = s2[i], f3 = s3[i], f4 = s4[i], f5 = s5[i], f6 = s6[i], f7 = s7[i],
                 f8 = s8[i];
    const double rho = f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8;
    double mx = f1 - f3 + f5 - f6 - f7 + f8, my = f2 - f4 + f5 + f6 - f7 - f8;
    if (kForce) {
      mx += 0.5 * fx;
      my += 0.5 * fy;
    }
    const double inv = 1.0 / rho;
    const double ux = mx * inv, uy = my * inv;
    const double usq = 1.5 * (ux * ux + uy * uy);
    const double w0 = 4.0 / 9 * rho, w1 = 1.0 / 9 * rho, w5 = 1.0 / 36 * rho;
    const double cx = 3.0 * ux, cy = 3.0 * uy, c5 = 3.0 * (ux + uy), c6 = 3.0 * (uy - ux);
    const double base = 1.0 - usq;
    const double e0 = w0 * base;
    const double e1 = w1 * (base + cx + 0.5 * cx * cx), e3 = w1 * (base - cx + 0.5 * cx * cx);
    const double e2 = w1 * (base + cy + 0.5 * cy * cy), e4 = w1 * (base - cy + 0.5 * cy * cy);
    const double e5 = w5 * (base + c5 + 0.5 * c5 * c5), e7 = w5 * (base - c5 + 0.5 * c5 * c5);
    const double e6 = w5 * (base + c6 + 0.5 * c6 * c6), e8 = w5 * (base - c6 + 0.5 * c6 * c6);
    double o0 = f0 - omega * (f0 - e0), o1 = f1 - omega * (f1 - e1), o2 = f2 - omega * (f2 - e2);
    double o3 = f3 - omega * (f3 - e3), o4 = f4 - omega * (f4 - e4), o5 = f5 - omega * (f5 - e5);
    double o6 = f6 - omega * (f6 - e6), o7 = f7 - omega * (f7 - e7), o8 = f8 - omega * (f8 - e8);
    if (kForce) {
      // Guo: (1 - omega / 2) w_q [3 (c_q - u) + 9 (c_q . u) c_q] . F
      const double k = 1.0 - 0.5 * omega;
      const double ug = -3.0 * (ux * fx + uy * fy);
      const double g1 = 1.0 / 9 * k, g5 = 1.0 / 36 * k;
      o0 += 4.0 / 9 * k * ug;
      o1 += g1 * (ug + 3.0 * fx + cx * 3.0 * fx);
      o3 += g1 * (ug - 3.0 * fx + cx * 3.0 * fx);
      o2 += g1 * (ug + 3.0 * fy + cy * 3.0 * fy);
      o4 += g1 * (ug - 3.0 * fy + cy * 3.0 * fy);
      o5 += g5 * (ug + 3.0 * (fx + fy) + c5 * 3.0 * (fx + fy));
      o7 += g5 * (ug - 3.0 * (fx + fy) + c5 * 3.0 * (fx + fy));
      o6 += g5 * (ug + 3.0 * (fy - fx) + c6 * 3.0 * (fy - fx));
      o8 += g5 * (ug - 3.0 * (fy - fx) + c6 * 3.0 * (fy - fx));
    }
    d0[i] = o0;
    d1[i] = o1;
    d2[i] = o2;
    d3[i] = o3;
    d4[i] = o4;
    d5[i] = o5;
    d6[i] = o6;
    d7[i] = o7;
    d8[i] = o8;
  }
}

void equilibrium(double rho, double ux, double uy, double* f) {
  const double usq = 1.5 * (ux * ux + uy * uy);
  for (int q = 0; q < 9; ++q) {
    const double cu = 3.0 * (kCx[q] * ux + kCy[q] * uy);
    f[q] = kW[q] * rho * (1.0 + cu + 0.5 * cu * cu - usq);
  }
}

}  // namespace

LbmD2Q9::LbmD2Q9(const LbmOptions& options)
    : o_(with_center(options)), nx_(options.nx), ny_(options.ny), n_(options.nx * options.ny), tau_(lbm_tau(options)),
      omega_(1.0 / lbm_tau(options)) {
  f_.assign(static_cast<std::size_t>(9 * n_), 0.0);
  g_ = f_;
  solid_.assign(static_cast<std::size_t>(n_), 0);
  const double r = 0.5 * o_.diameter;
  if (o_.diameter > 0) {
    for (std::int64_t y = 0; y < ny_; ++y) {
      for (std::int64_t x = 0; x < nx_; ++x) {
        const double dx = static_cast<double>(x) - o_.center_x, dy = static_cast<double>(y) - o_.center_y;
        if (dx * dx + dy * dy <= r * r) solid_[static_cast<std::size_t>(y * nx_ + x)] = 1;
      }
    }
  }
  const bool wall_rows = o_.walls != LbmWalls::kPeriodic;
  fast_.resize(static_cast<std::size_t>(ny_));
  slow_.resize(static_cast<std::size_t>(ny_));
  for (std::int64_t y = 0; y < ny_; ++y) {
    std::int64_t run = -1;
    for (std::int64_t x = 0; x < nx_; ++x) {
      bool slow = x == 0 || x == nx_ - 1 || (wall_rows && (y == 0 || y == ny_ - 1)) ||
                  solid_[static_cast<std::size_t>(y * nx_ + x)];
      for (int q = 1; q < 9 && !slow; ++q) {
        const std::int64_t sx = x - kCx[q], sy = (y - kCy[q] + ny_) % ny_;
        if (sx >= 0 && sx < nx_ && solid_[static_cast<std::size_t>(sy * nx_ + sx)]) slow = true;
      }
      if (slow) {
        slow_[static_cast<std::size_t>(y)].push_back(x);
        if (run >= 0) fast_[static_cast<std::size_t>(y)].push_back({run, x});
        run = -1;
      } else if (run < 0) {
        run = x;
      }
    }
    if (run >= 0) fast_[static_cast<std::size_t>(y)].push_back({run, nx_});
  }
  for (std::int64_t y = 0; y < ny_; ++y) {
    for (std::int64_t x = 0; x < nx_; ++x) {
      if (solid_[static_cast<std::size_t>(y * nx_ + x)]) continue;
      for (int q = 1; q < 9; ++q) {
        const std::int64_t sx = x + kCx[q], sy = y + kCy[q];
        if (sx < 0 || sx >= nx_ || sy < 0 || sy >= ny_) continue;
        if (solid_[static_cast<std::size_t>(sy * nx_ + sx)]) links_.push_back({y * nx_ + x, q});
      }
    }
  }
  // Start: uniform inflow, plus a transverse bump one diameter behind the cylinder (breaks the
  // symmetry so the wake sheds sooner).
  std::vector<double> rho(static_cast<std::size_t>(n_), 1.0), ux(rho.size(), 0.0), uy(rho.size(), 0.0);
  const double d = std::max(o_.diameter, 1.0);
  for (std::int64_t y = 0; y < ny_; ++y) {
    for (std::int64_t x = 0; x < nx_; ++x) {
      const std::size_t i = static_cast<std::size_t>(y * nx_ + x);
      if (solid_[i]) continue;
      ux[i] = o_.u;
      const double dx = static_cast<double>(x) - (o_.center_x + o_.diameter), dy = static_cast<double>(y) - o_.center_y;
      uy[i] = o_.perturbation * o_.u * std::exp(-(dx * dx + dy * dy) / (d * d));
    }
  }
  initialise(rho, ux, uy);
}

void LbmD2Q9::initialise(const std::vector<double>& rho, const std::vector<double>& ux, const std::vector<double>& uy) {
  double feq[9];
  for (std::int64_t i = 0; i < n_; ++i) {
    const std::size_t k = static_cast<std::size_t>(i);
    if (solid_[k]) equilibrium(1.0, 0.0, 0.0, feq);
    else equilibrium(rho[k], ux[k], uy[k], feq);
    for (int q = 0; q < 9; ++q) f_[static_cast<std::size_t>(q * n_ + i)] = feq[q];
  }
  outlet_prev_.assign(static_cast<std::size_t>(3 * ny_), 0.0);
  for (std::int64_t y = 0; y < ny_; ++y) {
    for (int k = 0; k < 3; ++k) {
      outlet_prev_[static_cast<std::size_t>(k * ny_ + y)] =
          f_[static_cast<std::size_t>(kOutletUnknown[k] * n_ + y * nx_ + nx_ - 1)];
    }
  }
  time_ = 0;
}

// The population q that streams into (x, y) this step, read from the post-collision buffer.
// The inlet's unknowns come back as NaN (Zou-He replaces them); the outlet's as zero gradient.
double LbmD2Q9::pull(int q, std::int64_t x, std::int64_t y) const {
  std::int64_t sx = x - kCx[q], sy = y - kCy[q];
  int qs = q;
  if (sy < 0 || sy >= ny_) {
    if (o_.walls == LbmWalls::kPeriodic) {
      sy = (sy + ny_) % ny_;
    } else if (o_.walls == LbmWalls::kFreeSlip) {
      qs = kMirrorY[q];  // specular reflection: the mirrored population of the same row
      sy = y;
    } else {
      return f_[static_cast<std::size_t>(kOpp[q] * n_ + y * nx_ + x)];  // halfway bounce-back
    }
  }
  if (sx < 0 || sx >= nx_) {
    if (o_.periodic_x) sx = (sx + nx_) % nx_;
    else if (sx < 0) return std::numeric_limits<double>::quiet_NaN();
    else sx = nx_ - 1;
  }
  if (solid_[static_cast<std::size_t>(sy * nx_ + sx)]) return f_[static_cast<std::size_t>(kOpp[q] * n_ + y * nx_ + x)];
  return f_[static_cast<std::size_t>(qs * n_ + sy * nx_ + sx)];
}

void LbmD2Q9::slow_cell(std::int64_t x, std::int64_t y) {
  const std::int64_t i = y * nx_ + x;
  double f[9];
  if (solid_[static_cast<std::size_t>(i)]) {
    equilibrium(1.0, 0.0, 0.0, f);
  } else {
    for (int q = 0; q < 9; ++q) f[q] = pull(q, x, y);
    if (!o_.periodic_x && x == 0) {  // Zou-He velocity inlet: u = (U, 0), unknowns 1, 5, 8
      const double u = o_.u;
      const double rho = (f[0] + f[2] + f[4] + 2.0 * (f[3] + f[6] + f[7])) / (1.0 - u);
      f[1] = f[3] + 2.0 / 3.0 * rho * u;
      f[5] = f[7] - 0.5 * (f[2] - f[4]) + rho * u / 6.0;
      f[8] = f[6] + 0.5 * (f[2] - f[4]) + rho * u / 6.0;
    } else if (!o_.periodic_x && x == nx_ - 1 && o_.outlet == LbmOutlet::kConvective) {
      for (int k = 0; k < 3; ++k) {  // df/dt + U df/dx = 0, implicit in the new value
        double& prev = outlet_prev_[static_cast<std::size_t>(k * ny_ + y)];
        const int q = kOutletUnknown[k];
        f[q] = (prev + o_.u * f[q]) / (1.0 + o_.u);
        prev = f[q];
      }
    }
    // The inlet column relaxes fully (omega = 1: equilibrium at Zou-He's rho and U): Zou-He's
    // non-equilibrium part alone is unstable for tau near 0.5 (docs/flow.md).
    const double omega = !o_.periodic_x && x == 0 ? 1.0 : omega_;
    if (o_.force_x != 0 || o_.force_y != 0) collide<true>(f, omega, o_.force_x, o_.force_y);
    else collide<false>(f, omega, 0, 0);
  }
  for (int q = 0; q < 9; ++q) g_[static_cast<std::size_t>(q * n_ + i)] = f[q];
}

void LbmD2Q9::row(std::int64_t y) {
  const bool force = o_.force_x != 0 || o_.force_y != 0;
  for (const auto& run : fast_[static_cast<std::size_t>(y)]) {
    const double* src[9];
    double* dst[9];
    for (int q = 0; q < 9; ++q) {
      const std::int64_t sy = (y - kCy[q] + ny_) % ny_;  // fast rows are interior unless walls are periodic
      src[q] = f_.data() + q * n_ + sy * nx_ + run[0] - kCx[q];
      dst[q] = g_.data() + q * n_ + y * nx_ + run[0];
    }
    if (force) collide_run<true>(src, dst, run[1] - run[0], omega_, o_.force_x, o_.force_y);
    else collide_run<false>(src, dst, run[1] - run[0], omega_, 0, 0);
  }
  for (std::int64_t x : slow_[static_cast<std::size_t>(y)]) slow_cell(x, y);
}

void LbmD2Q9::step(std::int64_t n) {
  for (std::int64_t s = 0; s < n; ++s) {
#pragma omp parallel for num_threads(o_.threads) schedule(dynamic, 4)  // dynamic: a busy core slows one chunk, not half the rows
    for (std::int64_t y = 0; y < ny_; ++y) row(y);
    f_.swap(g_);
    ++time_;
  }
}

void LbmD2Q9::macroscopic(std::vector<double>* rho, std::vector<double>* ux, std::vector<double>* uy) const {
  rho->assign(static_cast<std::size_t>(n_), 1.0);
  ux->assign(static_cast<std::size_t>(n_), 0.0);
  uy->assign(static_cast<std::size_t>(n_), 0.0);
  for (std::int64_t i = 0; i < n_; ++i) {
    const std::size_t k = static_cast<std::size_t>(i);
    if (solid_[k]) continue;
    double r = 0, mx = 0, my = 0;
    for (int q = 0; q < 9; ++q) {
      const double v = f_[static_cast<std::size_t>(q * n_ + i)];
      r += v;
      mx += kCx[q] * v;
      my += kCy[q] * v;
    }
    // Post-collision momentum is rho u + F / 2 (Guo): the velocity of the time level is in between.
    (*rho)[k] = r;
    (*ux)[k] = (mx - 0.5 * o_.force_x) / r;
    (*uy)[k] = (my - 0.5 * o_.force_y) / r;
  }
}

double LbmD2Q9::mass() const {
  double m = 0;
  for (std::int64_t i = 0; i < n_; ++i) {
    if (solid_[static_cast<std::size_t>(i)]) continue;
    for (int q = 0; q < 9; ++q) m += f_[static_cast<std::size_t>(q * n_ + i)];
  }
  return m;
}

// Each population f*_q(x) that hits the cylinder comes back reversed: it hands 2 f*_q c_q over.
std::array<double, 2> LbmD2Q9::force() const {
  double fx = 0, fy = 0;
  for (const auto& [cell, q] : links_) {
    const double v = 2.0 * f_[static_cast<std::size_t>(q * n_ + cell)];
    fx += v * kCx[q];
    fy += v * kCy[q];
  }
  return {fx, fy};
}

bool LbmD2Q9::finite() const {
  for (double v : f_) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

std::vector<double> vorticity(const std::vector<double>& ux, const std::vector<double>& uy,
                              const std::vector<std::uint8_t>& solid, std::int64_t nx, std::int64_t ny, bool periodic_y) {
  std::vector<double> w(static_cast<std::size_t>(nx * ny), 0.0);
  auto at = [&](const std::vector<double>& v, std::int64_t x, std::int64_t y) {
    return v[static_cast<std::size_t>(y * nx + x)];
  };
  for (std::int64_t y = 0; y < ny; ++y) {
    for (std::int64_t x = 0; x < nx; ++x) {
      if (solid[static_cast<std::size_t>(y * nx + x)]) continue;
      const std::int64_t xl = std::max<std::int64_t>(x - 1, 0), xr = std::min(x + 1, nx - 1);
      std::int64_t yd = y - 1, yu = y + 1;
      if (periodic_y) {
        yd = (yd + ny) % ny;
        yu = yu % ny;
      } else {
        yd = std::max<std::int64_t>(yd, 0);
        yu = std::min(yu, ny - 1);
      }
      const double dx = static_cast<double>(xr - xl);
      const double dy = periodic_y ? 2.0 : static_cast<double>(yu - yd);
      const double duy_dx = (at(uy, xr, y) - at(uy, xl, y)) / dx;
      const double dux_dy = (at(ux, x, yu) - at(ux, x, yd)) / dy;
      w[static_cast<std::size_t>(y * nx + x)] = duy_dx - dux_dy;
    }
  }
  return w;
}

}  // namespace curvlab
