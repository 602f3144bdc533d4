// Sweep expansion: grid x seeded random draws -> resolved, validated job files with stable ids.
#include "jobs/sweep/sweep_expand.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "base/error.h"
#include "base/seeding.h"
#include "base/run_dir.h"
#include "jobs/job_parser.h"
#include "jobs/overrides.h"
#include "jobs/section_reader.h"
#include "jobs/toml_text.h"

namespace curvlab {
namespace fs = std::filesystem;
namespace {

// A drawn number rounded to 4 significant digits, as a TOML float literal ("0.01234").
std::string rounded_literal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  toml::table t;
  t.insert("v", std::strtod(buf, nullptr));
  return toml_literal(*t.get("v"));
}

void erase_key(toml::table& root, const std::string& dotted) {
  const std::vector<std::string> parts = split_dotted(dotted);
  toml::table* t = &root;
  for (std::size_t i = 0; i + 1 < parts.size() && t != nullptr; ++i) {
    toml::node* n = t->get(parts[i]);
    t = n == nullptr ? nullptr : n->as_table();
  }
  if (t != nullptr) t->erase(parts.back());
}


std::string id_of(toml::table table) {
  erase_key(table, "job.name");
  erase_key(table, "job.output_dir");
  table.erase("cluster");
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(toml_document(table))));
  return std::string(buf).substr(0, 12);
}

bool is_job_key(const std::string& dotted) {
  static const std::vector<std::string> keys = job_file_keys();
  return std::find(keys.begin(), keys.end(), dotted) != keys.end();
}

// Re-raises a resolved run's parse error at the sweep key that produced the bad value.
[[noreturn]] void run_error(const JobSpec& spec, const SweepRun& run, const std::string& job_file,
                            const std::string& inner) {
  std::string message = inner;
  if (message.rfind(job_file, 0) == 0) {
    const std::size_t sep = message.find(": ", job_file.size());
    if (sep != std::string::npos) message = message.substr(sep + 2);
  }
  SourceLocation where = spec.where("sweep");
  for (const auto& [key, value] : run.values) {
    if (inner.find(key) == std::string::npos) continue;
    for (const auto& g : spec.sweep.grid) {
      if (g.key == key) where = g.where;
    }
    for (const auto& c : spec.sweep.cases) {
      for (const auto& g : c) {
        if (g.key == key) where = g.where;
      }
    }
    for (const auto& r : spec.sweep.random) {
      if (r.key == key) where = r.where;
    }
    break;
  }
  throw_config_error(where, "the sweep run with " + describe_values(run) + " is not a valid job: " + message);
}

}  // namespace


std::string sweep_run_id(const std::string& resolved_job_text) {
  return id_of(toml::parse(std::string_view(resolved_job_text), std::string_view("<resolved job>")));
}

std::vector<std::string> plan_row(const SweepPlan& plan, const SweepRun& run, const std::string& unset) {
  std::vector<std::string> row;
  for (const std::string& key : plan.keys) {
    std::string cell = unset;
    for (const auto& [k, v] : run.values) {
      if (k == key) cell = v;
    }
    row.push_back(cell);
  }
  return row;
}

std::string describe_values(const SweepRun& run) {
  std::string out;
  for (const auto& [key, value] : run.values) out += (out.empty() ? "" : ", ") + key + " = " + value;
  return out;
}

SweepPlan expand_sweep(const JobSpec& spec, const std::vector<std::string>& overrides) {
  const SweepSpec& s = spec.sweep;
  CURVLAB_CHECK(s.present, ConfigError, spec.source_path + " has no [sweep] section");
  SweepPlan plan;
  plan.sweep_dir = spec.job.output_dir;
  plan.name = spec.job.name;

  toml::table base = toml::parse(spec.source_text, spec.source_path);
  std::map<std::string, SourceLocation> override_locations;
  std::map<std::string, std::string> raw_values;
  apply_overrides(base, overrides, override_locations, raw_values);
  base.erase("sweep");

  // The grid points: case by case (in file order; no cases = the grid alone), the case's keys and
  // the grid's keys sorted by name, last key fastest. Then the random draws (the same draws at every
  // grid point).
  std::vector<std::vector<std::pair<std::string, std::string>>> points;
  std::set<std::string> grid_keys;
  const std::vector<std::vector<SweepGridKey>> cases = s.cases.empty() ? std::vector<std::vector<SweepGridKey>>{{}} : s.cases;
  for (const std::vector<SweepGridKey>& c : cases) {
    std::vector<const SweepGridKey*> keys;
    for (const SweepGridKey& g : s.grid) keys.push_back(&g);
    for (const SweepGridKey& g : c) keys.push_back(&g);
    std::sort(keys.begin(), keys.end(), [](const auto* a, const auto* b) { return a->key < b->key; });
    std::vector<std::vector<std::pair<std::string, std::string>>> case_points = {{}};
    for (const SweepGridKey* g : keys) {
      grid_keys.insert(g->key);
      std::vector<std::vector<std::pair<std::string, std::string>>> next;
      for (const auto& p : case_points) {
        for (const std::string& v : g->values) {
          next.push_back(p);
          next.back().emplace_back(g->key, v);
        }
      }
      case_points = std::move(next);
      CURVLAB_CHECK(points.size() + case_points.size() <= kMaxSweepRuns, ConfigError,
                    spec.where("sweep.grid").str() + ": the grid has more than " + std::to_string(kMaxSweepRuns) +
                        " points; split the sweep");
    }
    points.insert(points.end(), case_points.begin(), case_points.end());
  }
  plan.keys.assign(grid_keys.begin(), grid_keys.end());
  plan.grid_points = points.size();
  std::vector<std::vector<std::pair<std::string, std::string>>> draws = {{}};
  if (s.random_samples > 0) {
    draws.clear();
    SplitMix64 rng(s.random_seed);
    for (std::int64_t i = 0; i < s.random_samples; ++i) {
      std::vector<std::pair<std::string, std::string>> draw;
      for (const SweepRandomKey& r : s.random) {
        const double u = rng.uniform();
        std::string literal;
        if (r.distribution == "uniform") {
          literal = rounded_literal(r.lo + u * (r.hi - r.lo));
        } else if (r.distribution == "log_uniform") {
          literal = rounded_literal(std::exp(std::log(r.lo) + u * (std::log(r.hi) - std::log(r.lo))));
        } else {
          const auto k = std::min(r.choices.size() - 1, static_cast<std::size_t>(u * static_cast<double>(r.choices.size())));
          literal = r.choices[k];
        }
        draw.emplace_back(r.key, literal);
      }
      draws.push_back(std::move(draw));
    }
    for (const SweepRandomKey& r : s.random) plan.keys.push_back(r.key);
  }
  CURVLAB_CHECK(points.size() * draws.size() <= kMaxSweepRuns, ConfigError,
                spec.where("sweep").str() + ": the sweep has " + std::to_string(points.size() * draws.size()) +
                    " runs, more than " + std::to_string(kMaxSweepRuns) + "; split it");

  std::set<std::string> seen;
  const bool has_target_keys = is_job_key("train.target_metric");
  for (const auto& point : points) {
    for (const auto& draw : draws) {
      SweepRun run;
      run.values = point;
      run.values.insert(run.values.end(), draw.begin(), draw.end());
      toml::table t = base;
      for (const auto& [key, literal] : run.values) set_key(t, key, literal);
      if (s.budget_steps > 0) {
        std::int64_t steps = s.budget_steps;
        if (s.budget_scaling == "linear") {
          // The run's batch size as the parser resolves it (swept, set in the file, or the default).
          try {
            run.batch_size = parse_job_text(toml_document(t), spec.source_path).train.batch_size;
          } catch (const ConfigError& e) {
            run_error(spec, run, spec.source_path, e.what());
          }
          steps = std::max<std::int64_t>(1, (s.budget_steps * s.budget_reference_batch + run.batch_size - 1) /
                                                std::max<std::int64_t>(1, run.batch_size));
        }
        set_key(t, "train.steps", std::to_string(steps));
      } else if (s.budget_epochs > 0) {
        set_key(t, "train.epochs", std::to_string(s.budget_epochs));
        erase_key(t, "train.steps");
      }
      if (!s.target_metric.empty() && has_target_keys) {
        set_key(t, "train.target_metric", "\"" + s.target_metric + "\"");
        toml::table v;
        v.insert("v", s.target_value);
        set_key(t, "train.target_value", toml_literal(*v.get("v")));
        set_key(t, "train.stop_at_target", s.stop_at_target ? "true" : "false");
      }
      run.id = id_of(t);
      if (!seen.insert(run.id).second) {
        ++plan.duplicates;
        continue;
      }
      run.run_dir = (fs::path(plan.sweep_dir) / "runs" / run.id).string();
      run.job_file = (fs::path(plan.sweep_dir) / "jobs" / (run.id + ".toml")).string();
      set_key(t, "job.name", toml_literal(toml::value<std::string>(plan.name + "-" + run.id)));
      set_key(t, "job.output_dir", toml_literal(toml::value<std::string>(run.run_dir)));
      run.job_text = "# Run " + run.id + " of the sweep " + fs::path(spec.source_path).filename().string() +
                     " (written by curvlab; see " +
                     "docs/sweeps.md)\n# " + describe_values(run) + "\n\n" + toml_document(t);
      try {  // the one parse of the run's text: runners use run.spec
        run.spec = std::make_shared<const JobSpec>(parse_job_text(run.job_text, run.job_file));
        run.batch_size = run.spec->train.batch_size;
        run.steps = run.spec->train.steps;
        run.epochs = run.spec->train.epochs;
      } catch (const ConfigError& e) {
        run_error(spec, run, run.job_file, e.what());
      }
      plan.runs.push_back(std::move(run));
    }
  }
  return plan;
}

void check_sweep_resources(const SweepPlan& plan) {
  for (const SweepRun& run : plan.runs) {
    try {
      check_job_resources(*run.spec);
    } catch (const ConfigError& e) {
      CURVLAB_THROW(ConfigError, "sweep run " + run.id + " (" + describe_values(run) + "): " + e.what());
    }
  }
}

std::vector<std::string> write_sweep_layout(const SweepPlan& plan, const JobSpec& spec) {
  const fs::path dir(plan.sweep_dir);
  fs::create_directories(dir / "jobs");
  fs::create_directories(dir / "runs");
  write_text_atomic((dir / kSweepFileName).string(), spec.source_text);
  std::string table = "id\trun_dir\tjob_file";
  for (const std::string& k : plan.keys) table += "\t" + k;
  table += "\n";
  std::set<std::string> ids;
  for (const SweepRun& r : plan.runs) {
    ids.insert(r.id);
    table += r.id + "\truns/" + r.id + "\tjobs/" + r.id + ".toml";
    for (const std::string& value : plan_row(plan, r, "")) table += "\t" + value;
    table += "\n";
    std::error_code ec;
    if (!fs::exists(r.job_file, ec) || read_text_file(r.job_file) != r.job_text) write_text_atomic(r.job_file, r.job_text);
  }
  write_text_atomic((dir / kSweepTableName).string(), table);
  std::vector<std::string> stale;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "runs", ec)) {
    if (e.is_directory(ec) && ids.count(e.path().filename().string()) == 0) stale.push_back(e.path().string());
  }
  std::sort(stale.begin(), stale.end());
  return stale;
}

}  // namespace curvlab
