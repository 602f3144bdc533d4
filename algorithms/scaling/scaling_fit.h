// The batch-size scaling curve of one optimizer: the perfect-scaling line (steps halve when the
// batch doubles; Shallue et al. 2018), where the measured steps-to-target depart from it (the
// measured critical batch size), and the fit S(B) = S_min (1 + B_crit / B) of McCandlish et al.
// (2018, "An empirical model of large-batch training"). Not for: choosing the points (study.h).
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace curvlab {

// A batch size and its steps to target (+inf when no setting reached the target there).
struct ScalingPoint {
  double batch_size = 0;
  double steps = std::numeric_limits<double>::infinity();
};

// S_perfect(B) = anchor_steps * anchor_batch / B.
double perfect_scaling_steps(double anchor_batch, double anchor_steps, double batch_size);

// A batch size is still "near perfect scaling" while S(B) <= kCriticalFactor * S_perfect(B). With
// the McCandlish model and an anchor far below B_crit, S / S_perfect = 1 + B / B_crit, so the factor
// 2 puts the measured critical batch at B_crit.
constexpr double kCriticalFactor = 2.0;

// The anchor is the smallest batch size whose steps are finite. Returns the largest batch size B
// such that every point from the anchor up to B (in increasing batch order) has finite steps within
// kCriticalFactor of perfect scaling; NaN when no point has finite steps.
double measured_critical_batch(std::vector<ScalingPoint> points);

struct CriticalBatchFit {
  bool ok = false;             // false: fewer than 2 batch sizes reached, or intercept <= 0
  int points = 0;              // batch sizes used (those with finite steps)
  double s_min = std::numeric_limits<double>::quiet_NaN();    // intercept: steps at infinite batch
  double b_crit = std::numeric_limits<double>::quiet_NaN();   // slope / intercept
  double slope = std::numeric_limits<double>::quiet_NaN();    // S_min * B_crit = E_min (samples)
  double r2 = std::numeric_limits<double>::quiet_NaN();       // coefficient of determination
  std::string note;            // why the fit is not ok, in words
};

// Unweighted linear least squares of S against x = 1/B over the points with finite steps:
// S = a + b x, S_min = a, B_crit = b / a.
CriticalBatchFit fit_critical_batch(const std::vector<ScalingPoint>& points);

}  // namespace curvlab
