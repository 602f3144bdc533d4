// Best settings at the edge of the searched space. Shallue et al. (2018) flag the best trial of a
// batch size when it sits at the edge of the search space: the optimum may lie outside, so the
// steps to target found there are only an upper bound and the grid should be widened. Given the
// settings of one group (optimizer x batch size) and which of them is best, this says, for every
// swept hyperparameter, whether the best value is the smallest or largest tried (grid keys), or in
// the outer 5% of a sampled range (random keys). Rules in docs/report.md ("Edge of the grid").
// Not for: choosing the best setting (study.h) or reading how a sweep was written (jobs/report/).
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace curvlab {

// A setting's hyperparameters: swept key -> value as a TOML literal ("0.1", "128", "\"cosine\"").
// A key the setting's sweep case does not set is absent.
using HyperValues = std::vector<std::pair<std::string, std::string>>;

// How one hyperparameter was swept.
struct SweptAxis {
  enum class Kind {
    grid,    // listed values ([sweep.grid], [[sweep.cases]]): the edges are the smallest and largest tried
    range,   // uniform / log_uniform draws: the edges are the outer kRangeEdgeFraction of [lo, hi]
    choice,  // choice draws: the edges are the smallest and largest listed value
  };
  std::string key;
  Kind kind = Kind::grid;
  double lo = std::numeric_limits<double>::quiet_NaN();  // range
  double hi = std::numeric_limits<double>::quiet_NaN();
  bool log_scale = false;                                  // range: log_uniform (fractions of log hi - log lo)
  std::vector<std::string> choices;                        // choice: TOML literals
};

// A drawn value within this fraction of the range from lo or hi is at the edge.
constexpr double kRangeEdgeFraction = 0.05;

struct EdgeFlag {
  std::string key;
  SweptAxis::Kind kind = SweptAxis::Kind::grid;
  std::string value;   // the value at the edge that gives the best steps (TOML literal)
  std::string edge;    // "lower" | "upper"
  std::string swept;   // what was tried: "0.03, 0.1, 0.3" (grid, sorted) or "log_uniform [1e-05, 0.001]"
  std::vector<std::string> tied_with;  // the other values of the key that give the best steps too
  int ties = 0;        // tied_with.size()
};

// The number a TOML literal spells (integer or float, finite), or false ("\"sgd\"", "true", tables).
bool literal_number(const std::string& literal, double* out);

// The flags of the best setting `settings[best]`. `steps[i]` is setting i's steps to target (+inf
// when it does not reach it). A key not in `axes` is a grid key. Keys whose values are not numbers
// (strings, booleans, tables) have no order and are never at an edge; neither is a key with one
// value. For a grid key the values compared are those of the settings that agree with the best on
// every other grid key (the line through the best setting: for a full grid, the key's whole grid;
// for a union of sweep cases, the values of the best setting's case). Ties count: the best steps
// are often reached by several values (steps are measured at evaluations), and which of them is
// "the best" is then a tie-break; the key is flagged at an edge when any value that gives the best
// steps sits there (a plateau of best values must have a worse value tried on each side), so the
// flag does not depend on the tie-break. A plateau over the whole grid is flagged at both edges.
std::vector<EdgeFlag> find_grid_edges(const std::vector<HyperValues>& settings, const std::vector<double>& steps,
                                      std::size_t best, const std::vector<SweptAxis>& axes);

// "train.lr=0.03:lower kfac.damping=1:upper": the flags as one table cell ("" when none).
std::string edge_cell(const std::vector<EdgeFlag>& flags);

}  // namespace curvlab
