// The "simulate" job kind: the D2Q9 lattice-Boltzmann wake behind a cylinder -> warmup_steps, then
// `snapshots` crops of vorticity and velocity every snapshot_every steps and the lift/drag signal ->
// flow.h5 (+ plots). A sweep's (re x scale) variants go to the ranks in turn (variant i on rank
// i % ranks, each with its own threads) into sub-folders, with summary.csv; one variant writes
// output_dir/flow.h5. Options, format and numbers: docs/flow.md.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "algorithms/flow/lbm_d2q9.h"
#include "algorithms/flow/strouhal.h"
#include "base/error.h"
#include "base/run_dir.h"
#include "base/version.h"
#include "engine/progress.h"
#include "jobs/job_kinds.h"
#include "jobs/run/run_setup.h"
#include "jobs/simulate/simulate_plots.h"
#include "jobs/simulate/simulate_results.h"
#include "jobs/simulate/simulate_sections.h"

namespace curvlab {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// One row of the summary: what a variant measured.
enum Col { kRe, kScale, kNx, kNy, kD, kTau, kSt, kCycles, kClAmp, kCdMean, kMlups, kSeconds, kSteps, kCols };
const char* const kColNames[kCols] = {"re", "scale", "nx", "ny", "diameter", "tau", "strouhal", "cycles",
                                      "cl_amplitude", "cd_mean", "mlups", "seconds", "steps"};

std::vector<double> run_variant(const SimulateVariant& v, const std::string& dir, const JobSpec& spec,
                                const RunSetup& setup, bool quiet, bool show_progress) {
  const SimulateOptions& s = v.options;
  LbmOptions lo = s.lbm;
  lo.threads = setup.threads;
  LbmD2Q9 lbm(lo);
  const std::int64_t nx = lbm.nx(), ny = lbm.ny();
  const FlowWindow& w = s.window;
  const std::int64_t H = w.y1 - w.y0, W = w.x1 - w.x0, T = s.snapshots;
  const std::int64_t total = s.warmup_steps + (T - 1) * s.snapshot_every;
  FlowRecord rec;
  rec.vorticity = torch::zeros({T, H, W}, torch::kFloat32);
  rec.ux = torch::zeros({T, H, W}, torch::kFloat32);
  rec.uy = torch::zeros({T, H, W}, torch::kFloat32);
  rec.step = torch::zeros({T}, torch::kInt64);
  rec.mask = torch::zeros({H, W}, torch::kUInt8);
  rec.x = torch::arange(w.x0, w.x1, torch::kInt64);
  rec.y = torch::arange(w.y0, w.y1, torch::kInt64);
  for (std::int64_t r = 0; r < H; ++r) {
    for (std::int64_t c = 0; c < W; ++c) {
      rec.mask[r][c] = lbm.solid()[static_cast<std::size_t>((w.y0 + r) * nx + w.x0 + c)];
    }
  }
  std::vector<double> lift, drag;
  std::vector<std::int64_t> lift_step;
  const double coef = 1.0 / (0.5 * lo.u * lo.u * lo.diameter);  // rho0 = 1
  ProgressReporter progress(show_progress, stderr_is_tty(), 10.0, total);
  double stepping = 0;  // seconds inside lbm.step (the MLUPS figure)
  const double cells = static_cast<double>(nx * ny);
  auto advance = [&](std::int64_t n) {
    const auto t0 = Clock::now();
    lbm.step(n);
    stepping += since(t0);
  };
  auto mlups = [&] { return stepping > 0 ? cells * static_cast<double>(lbm.time()) / stepping / 1e6 : 0.0; };
  auto check_finite = [&] {
    if (lbm.finite()) return;
    CURVLAB_THROW(NumericsError, "simulate " + v.name + ": the lattice went unstable by step " +
                                     std::to_string(lbm.time()) + " (tau " + std::to_string(lbm.tau()) +
                                     "): use more cells (a larger simulate.diameter, nx, ny) or a lower simulate.re");
  };
  const auto t_start = Clock::now();
  while (lbm.time() < s.warmup_steps) {
    advance(std::min<std::int64_t>(500, s.warmup_steps - lbm.time()));
    check_finite();
    char detail[96];
    std::snprintf(detail, sizeof(detail), "%s warmup, %.1f MLUPS", v.name.c_str(), mlups());
    progress.update_status(lbm.time(), detail);
  }
  std::vector<double> rho, ux, uy;
  const bool periodic_y = lo.walls == LbmWalls::kPeriodic;
  for (std::int64_t k = 0; k < T; ++k) {
    const std::int64_t target = s.warmup_steps + k * s.snapshot_every;
    while (true) {  // lift samples on the way (every lift_every steps from the end of warmup)
      if ((lbm.time() - s.warmup_steps) % s.lift_every == 0 &&
          (lift_step.empty() || lift_step.back() != lbm.time())) {
        const auto f = lbm.force();
        drag.push_back(f[0] * coef);
        lift.push_back(f[1] * coef);
        lift_step.push_back(lbm.time());
      }
      if (lbm.time() >= target) break;
      const std::int64_t next_lift = s.warmup_steps + ((lbm.time() - s.warmup_steps) / s.lift_every + 1) * s.lift_every;
      advance(std::min(target, next_lift) - lbm.time());
    }
    lbm.macroscopic(&rho, &ux, &uy);
    const std::vector<double> vort = vorticity(ux, uy, lbm.solid(), nx, ny, periodic_y);
    auto* pv = rec.vorticity[k].data_ptr<float>();
    auto* px = rec.ux[k].data_ptr<float>();
    auto* py = rec.uy[k].data_ptr<float>();
    for (std::int64_t r = 0; r < H; ++r) {
      for (std::int64_t c = 0; c < W; ++c) {
        const std::size_t i = static_cast<std::size_t>((w.y0 + r) * nx + w.x0 + c);
        pv[r * W + c] = static_cast<float>(vort[i]);
        px[r * W + c] = static_cast<float>(ux[i]);
        py[r * W + c] = static_cast<float>(uy[i]);
      }
    }
    rec.step[k] = lbm.time();
    check_finite();
    char detail[96];
    std::snprintf(detail, sizeof(detail), "%s snapshot %lld/%lld, %.1f MLUPS", v.name.c_str(),
                  static_cast<long long>(k + 1), static_cast<long long>(T), mlups());
    progress.update_status(lbm.time(), detail);
  }
  progress.finish();
  const double seconds = since(t_start);
  rec.lift = torch::tensor(lift, torch::kFloat64);
  rec.drag = torch::tensor(drag, torch::kFloat64);
  rec.lift_step = torch::tensor(lift_step, torch::kInt64);
  const SignalFrequency sf = zero_crossing_frequency(lift, static_cast<double>(s.lift_every));
  const double st = strouhal_number(sf.frequency, lo.diameter, lo.u);
  double cd = 0;
  for (double d : drag) cd += d;
  cd /= std::max<double>(1, static_cast<double>(drag.size()));
  const LbmOptions& l = lbm.options();
  rec.params = {{"re", l.re}, {"tau", lbm.tau()}, {"u", l.u}, {"diameter", l.diameter}, {"center_x", l.center_x},
                {"center_y", l.center_y}, {"nx", static_cast<double>(nx)}, {"ny", static_cast<double>(ny)},
                {"warmup_steps", static_cast<double>(s.warmup_steps)},
                {"snapshot_every", static_cast<double>(s.snapshot_every)}, {"snapshots", static_cast<double>(T)},
                {"strouhal", st}, {"mlups", mlups()}, {"lift_every", static_cast<double>(s.lift_every)},
                {"steps", static_cast<double>(lbm.time())}, {"cd_mean", cd}, {"cl_amplitude", sf.amplitude},
                {"threads", static_cast<double>(setup.threads)}, {"seconds", seconds}};
  const std::map<std::string, std::string> attrs = {
      {"job_text", spec.source_text}, {"curvlab_version", CURVLAB_VERSION}, {"kind", "simulate"},
      {"variant", v.name}, {"units", "lattice"}, {"scheme", "D2Q9 BGK"},
      {"outlet", lbm_outlet_names().name(l.outlet)}, {"walls", lbm_walls_names().name(l.walls)}};
  std::filesystem::create_directories(dir);
  write_flow_file(dir + "/flow.h5", rec, attrs);
  if (s.plots) write_flow_plots(rec, dir + "/plots");
  if (!quiet) {
    std::fprintf(stderr,
                 "curvlab: %s: %lld x %lld, D %g, Re %g, tau %.4f: St %.4f (%lld periods of the lift), C_D %.3f, "
                 "C_L amplitude %.3f, %.1f MLUPS on %d threads, %.1f s -> %s/flow.h5\n",
                 v.name.c_str(), static_cast<long long>(nx), static_cast<long long>(ny), l.diameter, l.re, lbm.tau(),
                 st, static_cast<long long>(sf.cycles), cd, sf.amplitude, mlups(), setup.threads, seconds, dir.c_str());
  }
  std::vector<double> row(kCols);
  row[kRe] = l.re;
  row[kScale] = v.scale;
  row[kNx] = static_cast<double>(nx);
  row[kNy] = static_cast<double>(ny);
  row[kD] = l.diameter;
  row[kTau] = lbm.tau();
  row[kSt] = st;
  row[kCycles] = static_cast<double>(sf.cycles);
  row[kClAmp] = sf.amplitude;
  row[kCdMean] = cd;
  row[kMlups] = mlups();
  row[kSeconds] = seconds;
  row[kSteps] = static_cast<double>(lbm.time());
  return row;
}

int run_simulate_job(const JobSpec& spec, const RunOptions& options) {
  // A simulate job always starts over in its directory (--resume means: replace the old results).
  const RunMode mode = options.mode == RunMode::kResume ? RunMode::kForce : options.mode;
  check_run_dir(spec.job.output_dir, mode);
  const std::vector<SimulateVariant> variants = simulate_variants(spec.simulate);
  RunSetup setup = start_run(spec);
  const CommunicatorPtr& comm = setup.comm;
  return run_guarded(setup, options, [&] {
    const std::int64_t nv = static_cast<std::int64_t>(variants.size());
    open_run_dir(spec, setup, mode, options.quiet,
                 ", " + std::to_string(nv) + " variant" + (nv == 1 ? "" : "s") + ", " + std::to_string(setup.threads) +
                     " threads per rank");
    const bool sweep = nv > 1;
    torch::Tensor table = torch::zeros({nv, kCols}, torch::kFloat64);
    for (std::int64_t i = comm->rank(); i < nv; i += comm->size()) {
      const SimulateVariant& v = variants[static_cast<std::size_t>(i)];
      const std::string dir = sweep ? setup.paths.dir + "/" + v.name : setup.paths.dir;
      const std::vector<double> row =
          run_variant(v, dir, spec, setup, options.quiet, !options.quiet && setup.root());
      for (int c = 0; c < kCols; ++c) table[i][c] = row[static_cast<std::size_t>(c)];
    }
    if (comm->size() > 1) comm->allreduce({table}, ReduceOp::kSum);
    if (setup.root()) {
      std::string csv = "variant";
      for (const char* c : kColNames) csv += std::string(",") + c;
      csv += "\n";
      std::printf("%-14s %6s %5s %5s %5s %6s %7s %8s %6s %6s %7s %8s\n", "variant", "Re", "scale", "nx", "ny", "D",
                  "tau", "St", "C_D", "C_L'", "MLUPS", "seconds");
      for (std::int64_t i = 0; i < nv; ++i) {
        const auto row = table[i];
        auto at = [&](int c) { return row[c].item<double>(); };
        csv += variants[static_cast<std::size_t>(i)].name;
        for (int c = 0; c < kCols; ++c) {
          char buf[40];
          std::snprintf(buf, sizeof(buf), ",%.10g", at(c));
          csv += buf;
        }
        csv += "\n";
        std::printf("%-14s %6g %5g %5.0f %5.0f %5g %7.4f %8.4f %6.3f %6.3f %7.1f %8.1f\n",
                    variants[static_cast<std::size_t>(i)].name.c_str(), at(kRe), at(kScale), at(kNx), at(kNy), at(kD),
                    at(kTau), at(kSt), at(kCdMean), at(kClAmp), at(kMlups), at(kSeconds));
      }
      write_text_atomic(setup.paths.dir + "/summary.csv", csv);
      std::printf("results: %s%s, %s/summary.csv\n", setup.paths.dir.c_str(),
                  sweep ? "/<variant>/flow.h5" : "/flow.h5", setup.paths.dir.c_str());
      write_text_atomic(setup.paths.status, "done\n");
    }
    comm->barrier();
    return 0;
  });
}

}  // namespace

JobKind simulate_job_kind() {
  return {"simulate", {{"simulate", read_simulate_section}}, check_simulate_rules, run_simulate_job,
          "lattice-Boltzmann (D2Q9) wake behind a cylinder: snapshots of vorticity and velocity, lift, Strouhal "
          "number (flow.h5)"};
}

}  // namespace curvlab
