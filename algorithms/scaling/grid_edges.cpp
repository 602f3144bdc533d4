// Edge-of-grid flags of a group's best setting (grid_edges.h).
#include "algorithms/scaling/grid_edges.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace curvlab {
namespace {

const std::string* value_of(const HyperValues& values, const std::string& key) {
  for (const auto& [k, v] : values) {
    if (k == key) return &v;
  }
  return nullptr;
}

const SweptAxis* axis_of(const std::vector<SweptAxis>& axes, const std::string& key) {
  for (const SweptAxis& a : axes) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

bool is_grid_key(const std::vector<SweptAxis>& axes, const std::string& key) {
  const SweptAxis* a = axis_of(axes, key);
  return a == nullptr || a->kind == SweptAxis::Kind::grid;
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// True when settings a and b agree on every grid key other than `key` (a key both leave unset agrees).
bool on_line(const HyperValues& a, const HyperValues& b, const std::string& key, const std::vector<SweptAxis>& axes) {
  for (const HyperValues* side : {&a, &b}) {
    for (const auto& [k, v] : *side) {
      if (k == key || !is_grid_key(axes, k)) continue;
      const std::string* x = value_of(a, k);
      const std::string* y = value_of(b, k);
      if ((x == nullptr) != (y == nullptr) || (x != nullptr && *x != *y)) return false;
    }
  }
  return true;
}

}  // namespace

bool literal_number(const std::string& literal, double* out) {
  if (literal.empty()) return false;
  const char c = literal[0];
  if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))) return false;  // strings, booleans, tables
  std::string digits;
  for (char ch : literal) {
    if (ch != '_') digits += ch;  // TOML allows 1_000
  }
  char* end = nullptr;
  const double v = std::strtod(digits.c_str(), &end);
  if (end == digits.c_str() || *end != '\0' || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::vector<EdgeFlag> find_grid_edges(const std::vector<HyperValues>& settings, const std::vector<double>& steps,
                                      std::size_t best, const std::vector<SweptAxis>& axes) {
  std::vector<EdgeFlag> flags;
  if (best >= settings.size()) return flags;
  const HyperValues& b = settings[best];
  const double best_steps = best < steps.size() ? steps[best] : std::numeric_limits<double>::quiet_NaN();
  for (const auto& [key, literal] : b) {
    double v = 0;
    if (!literal_number(literal, &v)) continue;
    const SweptAxis* axis = axis_of(axes, key);
    const SweptAxis::Kind kind = axis == nullptr ? SweptAxis::Kind::grid : axis->kind;
    // The values this key was tried at next to the best (grid: on its line), and those of them
    // that give the best steps too (the best's own value included): number -> literal.
    std::map<double, std::string> tried, tied;
    tied.emplace(v, literal);
    for (std::size_t i = 0; i < settings.size(); ++i) {
      const std::string* x = value_of(settings[i], key);
      double xv = 0;
      if (x == nullptr || !literal_number(*x, &xv)) continue;
      if (kind == SweptAxis::Kind::grid && !on_line(settings[i], b, key, axes)) continue;
      tried.emplace(xv, *x);
      if (i < steps.size() && std::isfinite(best_steps) && steps[i] == best_steps) tied.emplace(xv, *x);
    }
    std::string swept;
    bool lower = false, upper = false;
    if (kind == SweptAxis::Kind::range) {
      if (!(axis->lo < axis->hi)) continue;
      for (const auto& [n, text] : tied) {
        const bool log = axis->log_scale && axis->lo > 0 && n > 0;
        const double t = log ? (std::log(n) - std::log(axis->lo)) / (std::log(axis->hi) - std::log(axis->lo))
                             : (n - axis->lo) / (axis->hi - axis->lo);
        lower = lower || t <= kRangeEdgeFraction;
        upper = upper || t >= 1 - kRangeEdgeFraction;
      }
      swept = std::string(axis->log_scale ? "log_uniform" : "uniform") + " [" + short_number(axis->lo) + ", " +
              short_number(axis->hi) + "]";
    } else {
      if (kind == SweptAxis::Kind::choice) {  // the listed values, drawn or not
        tried.clear();
        for (const std::string& c : axis->choices) {
          double cv = 0;
          if (literal_number(c, &cv)) tried.emplace(cv, c);
        }
      }
      if (tried.size() < 2) continue;  // one value: no edge to speak of
      lower = tied.begin()->first <= tried.begin()->first;
      upper = tied.rbegin()->first >= tried.rbegin()->first;
      for (const auto& [n, text] : tried) swept += (swept.empty() ? "" : ", ") + text;
      if (kind == SweptAxis::Kind::choice) swept = "choice [" + swept + "]";
    }
    for (const bool at_lower : {true, false}) {
      if (!(at_lower ? lower : upper)) continue;
      EdgeFlag f;
      f.key = key;
      f.kind = kind;
      f.value = at_lower ? tied.begin()->second : tied.rbegin()->second;
      f.edge = at_lower ? "lower" : "upper";
      f.swept = swept;
      for (const auto& [n, text] : tied) {
        if (text != f.value) f.tied_with.push_back(text);
      }
      f.ties = static_cast<int>(f.tied_with.size());
      flags.push_back(f);
    }
  }
  return flags;
}

std::string edge_cell(const std::vector<EdgeFlag>& flags) {
  std::string out;
  for (const EdgeFlag& f : flags) out += (out.empty() ? "" : " ") + f.key + "=" + f.value + ":" + f.edge;
  return out;
}

}  // namespace curvlab
