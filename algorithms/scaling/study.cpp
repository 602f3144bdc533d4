// Aggregation of a scaling study (study.h): seeds -> settings -> groups -> optimizers.
#include "algorithms/scaling/study.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace curvlab {

double median(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  const double a = values[n / 2 - 1], b = values[n / 2];
  if (std::isinf(a) || std::isinf(b)) return std::isinf(b) ? b : a;
  return 0.5 * (a + b);
}

double second_half_median(const std::vector<double>& steps, const std::vector<double>& values) {
  double last = -std::numeric_limits<double>::infinity();
  for (double s : steps) last = std::max(last, s);
  std::vector<double> kept;
  for (std::size_t i = 0; i < steps.size() && i < values.size(); ++i) {
    if (steps[i] > last / 2 && std::isfinite(values[i])) kept.push_back(values[i]);
  }
  return median(kept);
}

namespace {

SettingResult summarize_setting(const std::string& setting, const std::vector<const RunOutcome*>& seeds) {
  SettingResult s;
  s.setting = setting;
  if (!seeds.empty()) s.values = seeds.front()->values;
  s.seeds = static_cast<int>(seeds.size());
  std::vector<double> steps, epochs, wall;
  double fastest = std::numeric_limits<double>::infinity();
  for (const RunOutcome* r : seeds) {
    if (!r->counted) continue;
    ++s.seeds_counted;
    steps.push_back(r->reach.step);
    epochs.push_back(r->reach.epoch);
    wall.push_back(r->reach.wall_time);
    if (r->reach.reached) {
      ++s.seeds_reached;
      if (r->reach.step < fastest) {
        fastest = r->reach.step;
        s.fastest_run = r->id;
      }
    }
  }
  // Seeds that did not reach the target count as +inf, so the median is finite exactly when a
  // strict majority of the counted seeds reached it.
  s.reached = s.seeds_counted > 0 && 2 * s.seeds_reached > s.seeds_counted;
  if (s.reached) {
    s.steps = median(steps);
    s.epochs = median(epochs);
    s.wall_time = median(wall);
  }
  return s;
}

// Fewest steps; ties: less wall time, then the setting text (so the choice is deterministic).
bool better(const SettingResult& a, const SettingResult& b) {
  return std::tie(a.steps, a.wall_time, a.setting) < std::tie(b.steps, b.wall_time, b.setting);
}

}  // namespace

StudyResult analyse_study(std::vector<RunOutcome> runs, const Target& target, const std::vector<SweptAxis>& axes) {
  StudyResult study;
  study.target = target;
  for (RunOutcome& r : runs) {
    r.reach = first_reach(r.curve, target);
    r.counted = r.finished || r.reach.reached;
  }
  // (optimizer, batch) -> setting -> runs
  std::map<std::pair<std::string, std::int64_t>, std::map<std::string, std::vector<const RunOutcome*>>> grouped;
  for (const RunOutcome& r : runs) grouped[{r.optimizer, r.batch_size}][r.setting].push_back(&r);

  for (const auto& [key, settings] : grouped) {
    GroupResult g;
    g.optimizer = key.first;
    g.batch_size = key.second;
    std::vector<double> noise;
    for (const auto& [setting, seeds] : settings) {
      SettingResult s = summarize_setting(setting, seeds);
      g.runs += s.seeds;
      g.runs_missing += s.seeds - s.seeds_counted;
      if (s.seeds_counted > 0) ++g.settings_counted;
      if (s.reached) ++g.settings_reached;
      for (const RunOutcome* r : seeds) {
        if (std::isfinite(r->noise_scale)) noise.push_back(r->noise_scale);
      }
      g.settings.push_back(s);
    }
    for (std::size_t i = 0; i < g.settings.size(); ++i) {
      if (g.settings[i].reached && (g.best < 0 || better(g.settings[i], g.settings[g.best]))) g.best = static_cast<int>(i);
    }
    if (g.best >= 0) {
      std::vector<HyperValues> values;
      std::vector<double> steps;
      for (const SettingResult& s : g.settings) {
        values.push_back(s.values);
        steps.push_back(s.steps);
      }
      g.edges = find_grid_edges(values, steps, static_cast<std::size_t>(g.best), axes);
    }
    if (g.settings_counted > 0) g.reached_fraction = static_cast<double>(g.settings_reached) / g.settings_counted;
    g.noise_scale = median(noise);
    study.groups.push_back(g);
  }

  // Per optimizer: groups are sorted by batch size within an optimizer (map order).
  std::map<std::string, std::vector<GroupResult*>> by_optimizer;
  for (GroupResult& g : study.groups) by_optimizer[g.optimizer].push_back(&g);
  for (auto& [name, groups] : by_optimizer) {
    OptimizerSummary o;
    o.optimizer = name;
    std::vector<ScalingPoint> points;
    std::vector<double> noise;
    for (GroupResult* g : groups) {
      const SettingResult* best = g->best_setting();
      points.push_back({static_cast<double>(g->batch_size), best ? best->steps : std::numeric_limits<double>::infinity()});
      if (best && std::isnan(o.anchor_batch)) {
        o.anchor_batch = static_cast<double>(g->batch_size);
        o.anchor_steps = best->steps;
      }
      if (best) o.largest_reached_batch = static_cast<double>(g->batch_size);
      o.largest_batch = static_cast<double>(g->batch_size);
      if (std::isfinite(g->noise_scale)) noise.push_back(g->noise_scale);
    }
    if (!std::isnan(o.anchor_batch)) {
      for (GroupResult* g : groups) {
        const double b = static_cast<double>(g->batch_size);
        g->perfect_scaling_steps = perfect_scaling_steps(o.anchor_batch, o.anchor_steps, b);
        g->perfect_speedup = b / o.anchor_batch;
        if (const SettingResult* best = g->best_setting()) {
          g->speedup = o.anchor_steps / best->steps;
          g->scaling_efficiency = g->perfect_scaling_steps / best->steps;
        }
      }
    }
    o.measured_critical_batch = measured_critical_batch(points);
    o.fit = fit_critical_batch(points);
    o.noise_scale = median(noise);
    study.optimizers.push_back(o);
  }
  study.runs = std::move(runs);
  return study;
}

}  // namespace curvlab
