// Lattice-Boltzmann throughput (algorithms/flow/lbm_d2q9.h): MLUPS of the fused collide+stream step
// on the cylinder grid the simulate job uses (free-slip walls, zero-gradient outlet), the bytes it
// moves per second, and optionally the velocity field after the timed steps (raw float64 ux then uy,
// [ny][nx]) for bench/lbm_bench.py to check against the NumPy twin (bench/lbm_numpy.py).
// With --triad MB it first measures the STREAM triad a = b + s c (arrays of MB each, the same
// threads): the bandwidth bound the MLUPS figure is set against (bytes per update x updates / s).
//   build/bench/bench_lbm NX NY DIAMETER RE STEPS THREADS [DUMP] [--triad MB]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "algorithms/flow/lbm_d2q9.h"
#include "bench/bench_args.h"

namespace {

// Best of 5 triads a[i] = b[i] + 3 c[i] over `mb` MB per array on `threads` OpenMP threads, in GB/s
// counting 24 bytes per element (2 reads, 1 write; write-allocate traffic not counted, as STREAM).
double triad_gbs(double mb, int threads) {
  const std::int64_t n = static_cast<std::int64_t>(mb * 1e6 / 8);
  std::vector<double> a(static_cast<std::size_t>(n), 0.0), b(a.size(), 1.0), c(a.size(), 2.0);
  double best = 1e30;
  const int reps = std::max(5, static_cast<int>(2000 / std::max(1.0, mb)));  // small arrays: more repeats
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < reps / 5 + 1; ++k) {
      double* pa = a.data();
      const double* pb = b.data();
      const double* pc = c.data();
#pragma omp parallel for simd num_threads(threads) schedule(static)
      for (std::int64_t i = 0; i < n; ++i) pa[i] = pb[i] + 3.0 * pc[i];
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / (reps / 5 + 1);
    best = std::min(best, s);
  }
  if (a[static_cast<std::size_t>(n / 2)] != 7.0) std::printf("triad: wrong result\n");
  return 24.0 * static_cast<double>(n) / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t nx = 400, ny = 100, steps = 2000;
  double diameter = 20, re = 100;
  int threads = 1;
  std::string dump = "-";
  double triad_mb = 0;
  CLI::App app{"D2Q9 lattice-Boltzmann throughput (MLUPS) on the cylinder grid", "bench_lbm"};
  app.add_option("nx", nx, "Cells in x")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("ny", ny, "Cells in y")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("diameter", diameter, "Cylinder diameter (cells)")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("re", re, "Reynolds number")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("steps", steps, "Timed steps")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("threads", threads, "OpenMP threads over rows")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("DUMP", dump, "File for ux, uy after the steps (raw float64); - = none")->capture_default_str();
  app.add_option("--triad", triad_mb, "Also measure the STREAM triad on arrays of this many MB (0 = no)")
      ->check(curvlab_bench::positive(true));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (triad_mb > 0) {
    std::printf("triad: %g MB arrays, %d threads: %.2f GB/s\n", triad_mb, threads, triad_gbs(triad_mb, threads));
  }
  curvlab::LbmOptions o;
  o.nx = nx;
  o.ny = ny;
  o.diameter = diameter;
  o.re = re;
  o.threads = threads;
  curvlab::LbmD2Q9 lbm(o);
  const auto t0 = std::chrono::steady_clock::now();
  lbm.step(steps);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double mlups = static_cast<double>(nx * ny * steps) / s / 1e6;
  // 9 doubles read and 9 written per cell update (+ 9 more read for write-allocate without streaming stores).
  std::printf("bench_lbm: %lld x %lld, D %g, Re %g, tau %.4f, %lld steps, %d threads: %.3f s, %.2f MLUPS, "
              "%.2f GB/s at 144 B/update, finite %d\n",
              static_cast<long long>(nx), static_cast<long long>(ny), diameter, re, lbm.tau(),
              static_cast<long long>(steps), threads, s, mlups, mlups * 144e-3, lbm.finite() ? 1 : 0);
  if (dump != "-") {
    std::vector<double> rho, ux, uy;
    lbm.macroscopic(&rho, &ux, &uy);
    std::ofstream out(dump, std::ios::binary);
    out.write(reinterpret_cast<const char*>(ux.data()), static_cast<std::streamsize>(ux.size() * sizeof(double)));
    out.write(reinterpret_cast<const char*>(uy.data()), static_cast<std::streamsize>(uy.size() * sizeof(double)));
  }
  return lbm.finite() ? 0 : 3;
}
