// [sweep] section reader: grid keys, cases (a union of grids), seeded random keys, target, budget
// (see docs/sweeps.md).
#include "jobs/sweep/sweep_section.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "base/error.h"
#include "jobs/did_you_mean.h"
#include "algorithms/scaling/target.h"
#include "jobs/job_parser.h"
#include "jobs/toml_text.h"

namespace curvlab {
namespace {

const std::vector<std::string> kBudgetScalings = {"none", "linear"};
const std::vector<std::string> kDistributions = {"uniform", "log_uniform", "choice"};

// Checks that `key` (dotted, as written under [sweep.grid] or [sweep.random]) is a job-file key
// that a sweep may vary; errors name the table, the key and the nearest known key.
void check_swept_key(const std::string& table, const std::string& key, const SourceLocation& where) {
  if (key.find('.') == std::string::npos) {
    throw_config_error(where, "[" + table + "] key '" + key + "' is a whole section; sweep single keys, written "
                              "as quoted dotted names such as \"train.lr\" = [0.05, 0.1]");
  }
  if (key.rfind("sweep.", 0) == 0 || key.rfind("cluster.", 0) == 0) {
    throw_config_error(where, "[" + table + "] cannot vary '" + key + "': [" + key.substr(0, key.find('.')) +
                              "] keys are not run settings (" +
                              (key[0] == 's' ? "a sweep does not nest" : "they are the same for every run of a sweep; "
                                                                         "set them in the sweep file's [cluster]") + ")");
  }
  if (key == "job.output_dir" || key == "job.name") {
    throw_config_error(where, "[" + table + "] cannot vary '" + key + "': the sweep sets it for each run (" +
                              "job.output_dir = <sweep dir>/runs/<id>, job.name = <name>-<id>)");
  }
  std::vector<std::string> known;
  for (const std::string& k : job_file_keys()) {
    if (k.find('.') != std::string::npos && k.rfind("sweep", 0) != 0) known.push_back(k);
  }
  if (std::find(known.begin(), known.end(), key) == known.end()) {
    std::string message = "[" + table + "] key '" + key + "' is not a job-file key";
    const std::string hint = closest_match(key, known);
    if (!hint.empty()) message += "; did you mean '" + hint + "'?";
    message += " (every key of docs/job-files.md may be swept, e.g. train.lr, train.batch_size, kfac.damping)";
    throw_config_error(where, message);
  }
}

// Leaves of a [sweep.grid] / [sweep.random] table, flattening unquoted dotted keys
// (train.lr = [...] is the table train holding lr) into "train.lr". `is_leaf` decides where to stop.
template <typename IsLeaf>
void flatten(const toml::table& table, const std::string& prefix,
             std::vector<std::pair<std::string, const toml::node*>>& out, IsLeaf is_leaf) {
  for (auto&& [k, v] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (v.is_table() && !is_leaf(key, v)) {
      flatten(*v.as_table(), key, out, is_leaf);
    } else {
      out.emplace_back(key, &v);
    }
  }
}

// The keys of one grid table ([sweep.grid] or one [[sweep.cases]] table), sorted by key.
std::vector<SweepGridKey> read_grid(SectionReader& grid, const std::string& table_name) {
  std::vector<SweepGridKey> keys;
  if (grid.table() == nullptr) return keys;
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  flatten(*grid.table(), "", leaves, [](const std::string&, const toml::node&) { return false; });
  for (auto&& [k, v] : *grid.table()) grid.accept(std::string(k.str()));
  for (const auto& [key, node] : leaves) {
    const std::string dotted = table_name + "." + key;
    const SourceLocation where = grid.locate(dotted, *node);
    check_swept_key(table_name, key, where);
    const auto* array = node->as_array();
    if (array == nullptr || array->empty()) {
      throw_config_error(where, "[" + table_name + "] \"" + key + "\" must be a non-empty array of the values to try, "
                                "e.g. \"" + key + "\" = [a, b, c] (got " + describe_node(*node) + ")");
    }
    SweepGridKey g;
    g.key = key;
    g.where = where;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string literal = toml_literal(*array->get(i));
      if (!seen.insert(literal).second) {
        throw_config_error(grid.locate(dotted, *array->get(i)),
                           "[" + table_name + "] \"" + key + "\" lists " + literal + " twice; list each value once");
      }
      g.values.push_back(literal);
    }
    (*grid.context().locations)[dotted] = where;
    keys.push_back(std::move(g));
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return keys;
}

// [[sweep.cases]]: an array of grid tables; the sweep's runs are the union of every case's grid,
// each crossed with [sweep.grid] (scikit-learn's list of parameter grids).
void read_cases(SectionReader& sweep, JobSpec& spec) {
  sweep.accept("cases");
  const toml::node* node = sweep.table() == nullptr ? nullptr : sweep.table()->get("cases");
  if (node == nullptr) return;
  const SourceLocation where = sweep.locate("sweep.cases", *node);
  const toml::array* array = node->as_array();
  if (array == nullptr || array->empty() || !array->is_array_of_tables()) {
    throw_config_error(where, "sweep.cases must be an array of tables, each a grid of its own: [[sweep.cases]] "
                              "then \"train.optimizer\" = [\"sgd\"] and \"train.lr\" = [0.1, 0.3] (got " +
                              describe_node(*node) + ")");
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = array->get(i)->as_table();
    SectionReader reader(sweep.context(), table, "sweep.cases");
    std::vector<SweepGridKey> keys = read_grid(reader, "sweep.cases");
    if (keys.empty()) {
      throw_config_error(sweep.locate("sweep.cases", *table), "a [[sweep.cases]] table needs at least one key, e.g. "
                                                               "\"train.optimizer\" = [\"sgd\"]");
    }
    spec.sweep.cases.push_back(std::move(keys));
  }
  (*sweep.context().locations)["sweep.cases"] = where;
}

double bound(const toml::node& n, const SourceLocation& where, const std::string& what) {
  if (!n.is_number()) throw_config_error(where, what + " must be a number, got " + describe_node(n));
  const double v = n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
  if (!std::isfinite(v)) throw_config_error(where, what + " must be finite (got " + format_number(v) + ")");
  return v;
}

void read_random(SectionReader& random, JobSpec& spec) {
  SweepSpec& s = spec.sweep;
  random.integer("samples", s.random_samples, Range::at_least(0));
  auto seed = static_cast<std::int64_t>(s.random_seed);
  random.integer("seed", seed, Range::at_least(0));
  s.random_seed = static_cast<std::uint64_t>(seed);
  if (random.table() == nullptr) return;
  const auto is_distribution = [](const toml::node& n) {
    const toml::table& t = *n.as_table();
    for (const auto& d : kDistributions) {
      if (t.contains(d)) return true;
    }
    return false;
  };
  // A distribution table, or the table of a job-file key ("train.lr" = { normal = ... } is then
  // reported as a bad distribution, not as the unknown key train.lr.normal).
  const std::vector<std::string> job_keys = job_file_keys();
  const auto is_leaf = [&](const std::string& key, const toml::node& n) {
    return key.find('.') != std::string::npos &&
           (is_distribution(n) || std::find(job_keys.begin(), job_keys.end(), key) != job_keys.end());
  };
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  for (auto&& [k, v] : *random.table()) {
    const std::string key(k.str());
    if (key == "samples" || key == "seed") continue;
    random.accept(key);
    if (v.is_table() && !is_leaf(key, v)) {
      flatten(*v.as_table(), key, leaves, is_leaf);
    } else {
      leaves.emplace_back(key, &v);
    }
  }
  for (const auto& [key, node] : leaves) {
    const std::string dotted = "sweep.random." + key;
    const SourceLocation where = random.locate(dotted, *node);
    check_swept_key("sweep.random", key, where);
    const toml::table* t = node->as_table();
    if (t == nullptr || t->size() != 1 || !is_distribution(*node)) {
      throw_config_error(where, "[sweep.random] \"" + key + "\" must be a table with one distribution: "
                                "{ uniform = [lo, hi] }, { log_uniform = [lo, hi] } or { choice = [a, b, ...] } (got " +
                                describe_node(*node) + ")");
    }
    SweepRandomKey r;
    r.key = key;
    r.where = where;
    const auto first = t->begin();  // the iterator owns the key/value pair it hands out
    const toml::node& dv = first->second;
    r.distribution = std::string(first->first.str());
    const std::string what = "[sweep.random] \"" + key + "\" " + r.distribution;
    const auto* array = dv.as_array();
    if (array == nullptr || array->empty()) {
      throw_config_error(where, what + " must be a non-empty array (got " + describe_node(dv) + ")");
    }
    if (r.distribution == "choice") {
      for (std::size_t i = 0; i < array->size(); ++i) r.choices.push_back(toml_literal(*array->get(i)));
    } else {
      if (array->size() != 2) throw_config_error(where, what + " must be [lo, hi] (got " + describe_node(dv) + ")");
      r.lo = bound(*array->get(0), where, what + " lo");
      r.hi = bound(*array->get(1), where, what + " hi");
      if (!(r.lo < r.hi)) {
        throw_config_error(where, what + " needs lo < hi (got [" + format_number(r.lo) + ", " + format_number(r.hi) + "])");
      }
      if (r.distribution == "log_uniform" && !(r.lo > 0)) {
        throw_config_error(where, what + " needs lo > 0 (got " + format_number(r.lo) + "); use uniform for ranges "
                                  "that include 0");
      }
    }
    (*random.context().locations)[dotted] = where;
    s.random.push_back(std::move(r));
  }
  std::sort(s.random.begin(), s.random.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
}

}  // namespace

const std::vector<std::string>& sweep_distributions() { return kDistributions; }
const std::vector<std::string>& sweep_target_metrics() { return target_metrics(); }

void read_sweep(SectionReader& r, JobSpec& spec) {
  SweepSpec& s = spec.sweep;
  s.present = r.present();
  s.grid = read_grid(r.section("grid"), "sweep.grid");
  read_cases(r, spec);
  read_random(r.section("random"), spec);
  r.string("target_metric", s.target_metric);  // "" = no target
  if (!s.target_metric.empty() &&
      std::find(target_metrics().begin(), target_metrics().end(), s.target_metric) == target_metrics().end()) {
    std::string message = "sweep.target_metric must be one of " + join_names(target_metrics()) +
                          " (or \"\" for none; got \"" + s.target_metric + "\")";
    const std::string hint = closest_match(s.target_metric, target_metrics());
    if (!hint.empty()) message += "; did you mean \"" + hint + "\"?";
    throw_config_error(r.location("target_metric"), message);
  }
  r.number("target_value", s.target_value);
  r.boolean("stop_at_target", s.stop_at_target);
  r.integer("budget_steps", s.budget_steps, Range::at_least(0));
  r.integer("budget_epochs", s.budget_epochs, Range::at_least(0));
  r.choice("budget_scaling", s.budget_scaling, kBudgetScalings);
  r.integer("budget_reference_batch", s.budget_reference_batch, Range::at_least(0));
}

void check_sweep_rules(const JobSpec& spec) {
  const SweepSpec& s = spec.sweep;
  if (!s.present) return;
  if (!s.random.empty() && s.random_samples == 0) {
    throw_config_error(spec.where("sweep.random"), "[sweep.random] has distributions but sweep.random.samples = 0: "
                                                   "set samples = N, the draws combined with each grid point");
  }
  if (s.random.empty() && s.random_samples > 0) {
    throw_config_error(spec.where("sweep.random.samples"),
                       "sweep.random.samples > 0 needs at least one key to draw, e.g. \"train.lr\" = "
                       "{ log_uniform = [1e-3, 1.0] }");
  }
  if (s.grid.empty() && s.cases.empty() && s.random.empty()) {
    throw_config_error(spec.where("sweep"), "[sweep] has no keys to vary: add [sweep.grid] with e.g. "
                                            "\"train.lr\" = [0.05, 0.1], or [sweep.random] (docs/sweeps.md)");
  }
  for (const auto& r : s.random) {
    for (const auto& g : s.grid) {
      if (g.key == r.key) {
        throw_config_error(r.where, "'" + r.key + "' is both in [sweep.grid] and in [sweep.random]; vary it in one");
      }
    }
  }
  for (const auto& keys : s.cases) {
    for (const auto& c : keys) {
      for (const auto& g : s.grid) {
        if (g.key == c.key) {
          throw_config_error(c.where, "'" + c.key + "' is both in [sweep.grid] and in a [[sweep.cases]] table; vary "
                                      "it in one (the grid's keys apply to every case)");
        }
      }
      for (const auto& r : s.random) {
        if (r.key == c.key) {
          throw_config_error(r.where, "'" + r.key + "' is both in a [[sweep.cases]] table and in [sweep.random]; vary "
                                      "it in one");
        }
      }
    }
  }
  if (s.budget_steps > 0 && s.budget_epochs > 0) {
    throw_config_error(spec.where("sweep.budget_epochs"), "set only one of sweep.budget_steps and sweep.budget_epochs");
  }
  if (s.budget_steps > 0 || s.budget_epochs > 0) {
    std::vector<const SweepGridKey*> grid_keys;
    for (const auto& g : s.grid) grid_keys.push_back(&g);
    for (const auto& keys : s.cases) {
      for (const auto& c : keys) grid_keys.push_back(&c);
    }
    for (const char* key : {"train.steps", "train.epochs"}) {
      for (const SweepGridKey* gp : grid_keys) {
        const SweepGridKey& g = *gp;
        if (g.key == key) {
          throw_config_error(g.where, std::string("the sweep varies ") + key + " and also sets a budget; drop "
                                      "sweep.budget_steps/budget_epochs or the swept " + key);
        }
      }
    }
  }
  if (s.budget_scaling == "linear") {
    if (s.budget_steps == 0) {
      throw_config_error(spec.where("sweep.budget_scaling"),
                         "sweep.budget_scaling = \"linear\" scales a steps budget: set sweep.budget_steps (an epochs "
                         "budget already gives every batch size the same number of samples)");
    }
    if (s.budget_reference_batch == 0) {
      throw_config_error(spec.where("sweep.budget_scaling"),
                         "sweep.budget_scaling = \"linear\" needs sweep.budget_reference_batch, the batch size that "
                         "gets exactly budget_steps steps (others get budget_steps * reference / batch_size)");
    }
  }
  if (!s.target_metric.empty() && spec.locations.count("sweep.target_value") == 0) {
    throw_config_error(spec.where("sweep.target_metric"),
                       "sweep.target_metric = \"" + s.target_metric + "\" needs sweep.target_value, e.g. 0.88");
  }
  if (s.target_metric == "test_accuracy" && !(s.target_value >= 0 && s.target_value <= 1)) {
    throw_config_error(spec.where("sweep.target_value"), "sweep.target_value for test_accuracy must be in [0, 1] (got " +
                                                             format_number(s.target_value) + ")");
  }
  if (s.target_metric.empty() && (s.stop_at_target || spec.locations.count("sweep.target_value"))) {
    throw_config_error(spec.where(s.stop_at_target ? "sweep.stop_at_target" : "sweep.target_value"),
                       "set sweep.target_metric (test_accuracy, test_loss or train_loss) to use a target");
  }
}

}  // namespace curvlab
