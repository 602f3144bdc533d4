// Perfect scaling, measured critical batch size and the S_min (1 + B_crit / B) fit (scaling_fit.h).
#include "algorithms/scaling/scaling_fit.h"

#include <algorithm>
#include <cmath>

namespace curvlab {

double perfect_scaling_steps(double anchor_batch, double anchor_steps, double batch_size) {
  return anchor_steps * anchor_batch / batch_size;
}

double measured_critical_batch(std::vector<ScalingPoint> points) {
  std::sort(points.begin(), points.end(),
            [](const ScalingPoint& a, const ScalingPoint& b) { return a.batch_size < b.batch_size; });
  std::size_t anchor = 0;
  while (anchor < points.size() && !std::isfinite(points[anchor].steps)) ++anchor;
  if (anchor == points.size()) return std::numeric_limits<double>::quiet_NaN();
  double critical = points[anchor].batch_size;
  for (std::size_t i = anchor + 1; i < points.size(); ++i) {
    const double perfect = perfect_scaling_steps(points[anchor].batch_size, points[anchor].steps, points[i].batch_size);
    if (!std::isfinite(points[i].steps) || points[i].steps > kCriticalFactor * perfect) break;
    critical = points[i].batch_size;
  }
  return critical;
}

CriticalBatchFit fit_critical_batch(const std::vector<ScalingPoint>& points) {
  CriticalBatchFit fit;
  std::vector<double> x, y;
  for (const ScalingPoint& p : points) {
    if (std::isfinite(p.steps) && p.batch_size > 0) {
      x.push_back(1.0 / p.batch_size);
      y.push_back(p.steps);
    }
  }
  fit.points = static_cast<int>(x.size());
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  double sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (x.size() < 2 || sxx <= 0) {
    fit.note = "needs steps to target at 2 or more batch sizes";
    return fit;
  }
  fit.slope = sxy / sxx;
  fit.s_min = my - fit.slope * mx;
  double ss_res = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double r = y[i] - (fit.s_min + fit.slope * x[i]);
    ss_res += r * r;
  }
  fit.r2 = syy > 0 ? 1.0 - ss_res / syy : 1.0;
  if (fit.s_min <= 0) {
    fit.note = "intercept S_min <= 0: the steps still fall like 1/B over the whole range (no saturation seen; "
               "B_crit is beyond the largest batch size)";
    return fit;
  }
  if (fit.slope <= 0) {
    fit.note = "slope <= 0: the steps do not fall with the batch size (B_crit is below the smallest batch size)";
    return fit;
  }
  fit.b_crit = fit.slope / fit.s_min;
  fit.ok = true;
  return fit;
}

}  // namespace curvlab
