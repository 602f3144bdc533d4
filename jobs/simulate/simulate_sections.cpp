// Readers, guards and variants of [simulate] (see simulate_sections.h; the keys: docs/flow.md).
#include "jobs/simulate/simulate_sections.h"

#include <cmath>
#include <cstdio>

#include "jobs/section_reader.h"

namespace curvlab {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

std::int64_t scaled(std::int64_t v, double scale) { return static_cast<std::int64_t>(std::llround(v * scale)); }

// The key a variant's value came from: the sweep list when it has one, else the plain key.
std::string key_of(const SimulateOptions& o, const char* sweep_key, const char* key) {
  const bool from_sweep = std::string(sweep_key) == "re" ? !o.sweep_re.empty() : !o.sweep_scale.empty();
  return from_sweep ? std::string("simulate.sweep.") + sweep_key : std::string("simulate.") + key;
}

}  // namespace

void read_simulate_section(SectionReader& r, JobSpec& spec) {
  SimulateOptions& s = spec.simulate;
  LbmOptions& o = s.lbm;
  r.integer("nx", o.nx, Range::at_least(8));
  r.integer("ny", o.ny, Range::at_least(4));
  r.number("diameter", o.diameter, Range::above(0));
  r.number("center_x", o.center_x, Range::any());
  r.number("center_y", o.center_y, Range::any());
  r.number("u", o.u, Range::above(0));
  r.number("re", o.re, Range::above(0));
  r.choice("outlet", o.outlet, lbm_outlet_names());
  r.choice("walls", o.walls, lbm_walls_names());
  r.number("perturbation", o.perturbation, Range::at_least(0));
  r.integer("warmup_steps", s.warmup_steps, Range::at_least(0));
  r.integer("snapshots", s.snapshots, Range::at_least(1));
  r.integer("snapshot_every", s.snapshot_every, Range::at_least(1));
  r.integer("lift_every", s.lift_every, Range::at_least(1));
  r.boolean("plots", s.plots);

  SectionReader& w = r.section("window");
  w.integer("x0", s.window.x0, Range::at_least(0));
  w.integer("x1", s.window.x1, Range::at_least(1));
  w.integer("y0", s.window.y0, Range::at_least(0));
  w.integer("y1", s.window.y1, Range::at_least(1));

  SectionReader& sw = r.section("sweep");
  sw.number_list("re", s.sweep_re, Range::above(0));
  sw.number_list("scale", s.sweep_scale, Range::above(0));
}

std::vector<SimulateVariant> simulate_variants(const SimulateOptions& o) {
  const std::vector<double> res = o.sweep_re.empty() ? std::vector<double>{o.lbm.re} : o.sweep_re;
  const std::vector<double> scales = o.sweep_scale.empty() ? std::vector<double>{1.0} : o.sweep_scale;
  std::vector<SimulateVariant> out;
  for (double re : res) {
    for (double scale : scales) {
      SimulateVariant v;
      v.re = re;
      v.scale = scale;
      v.name = "re" + num(re) + "_s" + num(scale);
      for (char& c : v.name) {
        if (c == '.') c = 'p';
      }
      SimulateOptions& s = v.options;
      s = o;
      s.sweep_re.clear();
      s.sweep_scale.clear();
      LbmOptions& l = s.lbm;
      l.re = re;
      l = with_center(l);
      if (scale != 1.0) {
        l.nx = scaled(l.nx, scale);
        l.ny = scaled(l.ny, scale);
        l.diameter *= scale;
        l.center_x *= scale;
        l.center_y *= scale;
        for (std::int64_t* c : {&s.window.x0, &s.window.x1, &s.window.y0, &s.window.y1}) {
          if (*c >= 0) *c = scaled(*c, scale);
        }
        s.warmup_steps = scaled(s.warmup_steps, scale);
        s.snapshot_every = std::max<std::int64_t>(1, scaled(s.snapshot_every, scale));
      }
      s.window = resolved_window(s.window, l);
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string describe_simulate_variants(const SimulateOptions& o) {
  std::string out;
  for (const SimulateVariant& v : simulate_variants(o)) {
    const SimulateOptions& s = v.options;
    const LbmOptions& l = s.lbm;
    const FlowWindow& w = s.window;
    char buf[320];
    std::snprintf(buf, sizeof(buf),
                  "  %s: %lld x %lld cells, D %g at (%g, %g), U %g, Re %g, tau %.4f; %lld steps (warmup %lld), "
                  "%lld snapshots every %lld of x [%lld, %lld) y [%lld, %lld)\n",
                  v.name.c_str(), static_cast<long long>(l.nx), static_cast<long long>(l.ny), l.diameter, l.center_x,
                  l.center_y, l.u, l.re, lbm_tau(l),
                  static_cast<long long>(s.warmup_steps + (s.snapshots - 1) * s.snapshot_every),
                  static_cast<long long>(s.warmup_steps), static_cast<long long>(s.snapshots),
                  static_cast<long long>(s.snapshot_every), static_cast<long long>(w.x0), static_cast<long long>(w.x1),
                  static_cast<long long>(w.y0), static_cast<long long>(w.y1));
    out += buf;
  }
  return out;
}

// The guards (docs/flow.md, "Guards"); each message gives the limit and what to change.
void check_simulate_rules(const JobSpec& spec) {
  if (spec.job.kind != "simulate") return;
  const SimulateOptions& s = spec.simulate;
  const LbmOptions& o = s.lbm;
  if (o.u > kLbmMaxVelocity) {
    throw_config_error(spec.where("simulate.u"),
                       "simulate.u = " + num(o.u) + " is Mach " + num(o.u * std::sqrt(3.0)) +
                           " (lattice sound speed 1/sqrt(3) = 0.577): the compressibility error grows as Ma^2; "
                           "use u <= " + num(kLbmMaxVelocity) + " (0.1 is the usual choice; Re stays set by simulate.re)");
  }
  for (const SimulateVariant& v : simulate_variants(s)) {
    const LbmOptions& l = v.options.lbm;
    const double tau = lbm_tau(l);
    const std::string in = s.sweep_re.empty() && s.sweep_scale.empty() ? "" : " (sweep variant " + v.name + ")";
    if (tau < kLbmMinTau) {
      const double d_min = (kLbmMinTau - 0.5) * l.re / (3 * l.u);
      const double re_max = 3 * l.u * l.diameter / (kLbmMinTau - 0.5);
      throw_config_error(spec.where(key_of(s, "re", "re")),
                         "tau = 3 U D / Re + 0.5 = " + num(tau) + in + " is below " + num(kLbmMinTau) +
                             " (BGK goes unstable as tau -> 0.5): with Re " + num(l.re) + ", U " + num(l.u) +
                             " the cylinder needs more cells (simulate.diameter >= " + num(std::ceil(d_min / v.scale - 1e-9)) +
                             ", and nx, ny to match), or a lower Re (<= " + num(std::floor(re_max + 1e-9)) + " at D = " +
                             num(l.diameter) + ")");
    }
    const double r = 0.5 * l.diameter;
    const bool fits = l.center_x - r >= 2 && l.center_x + r <= static_cast<double>(l.nx) - 3 && l.center_y - r >= 1 &&
                      l.center_y + r <= static_cast<double>(l.ny) - 2;
    if (!fits) {
      throw_config_error(spec.where("simulate.diameter"),
                         "the cylinder" + in + " (diameter " + num(l.diameter) + " at (" + num(l.center_x) + ", " +
                             num(l.center_y) + ")) does not fit the " + std::to_string(l.nx) + " x " +
                             std::to_string(l.ny) + " grid: it must stay 2 cells from the inlet, 3 from the outlet "
                             "and 1 from the top and bottom; use more cells (simulate.nx >= " +
                             num(std::ceil((l.center_x + r + 3) / v.scale)) + ", simulate.ny >= " +
                             num(std::ceil((2 * r + 3) / v.scale)) + " with center_y at mid-height), "
                             "a smaller diameter or another centre");
    }
    const FlowWindow& w = v.options.window;
    if (w.x0 >= w.x1 || w.y0 >= w.y1 || w.x1 > l.nx || w.y1 > l.ny) {
      throw_config_error(spec.where("simulate.window"),
                         "the snapshot window" + in + " x in [" + std::to_string(w.x0) + ", " + std::to_string(w.x1) +
                             "), y in [" + std::to_string(w.y0) + ", " + std::to_string(w.y1) +
                             ") is empty or outside the " + std::to_string(l.nx) + " x " + std::to_string(l.ny) +
                             " grid: it needs 0 <= x0 < x1 <= nx and 0 <= y0 < y1 <= ny (half-open lattice "
                             "indices); shrink the window or use more cells");
    }
  }
}

}  // namespace curvlab
