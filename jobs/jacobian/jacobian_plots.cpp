// Jacobian study plots (see jacobian_plots.h).
#include "jobs/jacobian/jacobian_plots.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "base/gnuplot_script.h"

namespace curvlab {

namespace {

// The multiplot layout "rows,cols" for n panels.
std::string layout(std::size_t n) {
  const std::size_t cols = n <= 1 ? 1 : n <= 4 ? 2 : 3;
  return std::to_string((n + cols - 1) / cols) + "," + std::to_string(cols);
}

// Which columns of a unit distribution file hold numbers.
struct UnitColumns {
  bool dense = false, top = false, bottom = false;
};

// Per unit (kind "unit") of one scaling: index, min, q10, median, q90, max of the dense values (nan
// without them), mean top1 and bottom1 (Lanczos; nan without them).
UnitColumns write_unit_distribution(const ScalingRecord& sc, const std::string& path) {
  std::ofstream d(path);
  d << "# unit_index min q10 median q90 max top1_mean bottom1_mean unit (" << sc.name() << ")\n";
  UnitColumns has;
  for (const MapRecord& m : sc.maps) {
    if (m.map.kind != "unit") continue;
    double v[5] = {NAN, NAN, NAN, NAN, NAN};
    if (m.dense.defined() && m.dense.numel() > 0) {
      const torch::Tensor q = torch::quantile(m.dense.reshape({-1}),
                                              torch::tensor({0.0, 0.1, 0.5, 0.9, 1.0}, torch::kFloat64));
      for (int j = 0; j < 5; ++j) v[j] = q[j].item<double>();
      has.dense = true;
    }
    const MapSummary s = summarize(m, {});
    has.top = has.top || std::isfinite(s.top1_mean);
    has.bottom = has.bottom || (std::isfinite(s.bottom1_mean) && s.bottom1_mean > 0);  // log axis: zeros vanish
    d << m.map.first << " " << dat_value(v[0]) << " " << dat_value(v[1]) << " " << dat_value(v[2]) << " "
      << dat_value(v[3]) << " " << dat_value(v[4]) << " " << dat_value(s.top1_mean) << " "
      << dat_value(s.bottom1_mean) << " " << m.map.name << "\n";
  }
  return has;
}

}  // namespace

bool write_jacobian_plots(const JacobianStudy& study, const std::string& dir) {
  std::filesystem::create_directories(dir);
  GnuplotScript gp("jacobian study plots");
  std::string panels;
  std::size_t n = 0;
  for (const ScalingRecord& sc : study.scalings) {
    const std::string file = "units_" + file_safe(sc.name()) + ".dat";
    const UnitColumns has = write_unit_distribution(sc, dir + "/" + file);
    std::vector<std::string> series;  // only columns with numbers (gnuplot stops on an all-nan series)
    if (has.dense) {
      series.push_back("'" + file + "' using 1:3:2:6:5 with candlesticks whiskerbars lw 1 title 'min q10 q90 max'");
      series.push_back("'" + file + "' using 1:4:4:4:4 with candlesticks lw 2 title 'median'");
    }
    if (has.top) series.push_back("'" + file + "' using 1:7 with points pt 7 title 'top (Lanczos)'");
    if (has.bottom) series.push_back("'" + file + "' using 1:8 with points pt 6 title 'bottom (Lanczos)'");
    if (series.empty()) continue;
    std::string plot = "plot ";
    for (std::size_t i = 0; i < series.size(); ++i) plot += (i ? ", " : "") + series[i];
    panels += "set title 'alpha " + dat_value(sc.alpha) + ", beta " + dat_value(sc.beta) + "'\n" + plot + "\n";
    ++n;
  }
  if (n > 0) {
    gp.add_plot("singular_values_per_unit",
                "set multiplot layout " + layout(n) + " title 'singular values of each residual unit Jacobian'\n"
                "set xlabel 'unit'\nset ylabel 'singular value'\nset logscale y\nset key font ',7'\nset boxwidth 0.4\n"
                "set offsets 0.5, 0.5, 0, 0\n" + panels + "unset multiplot\n");
  }
  for (const ScalingRecord& sc : study.scalings) {
    bool any_valid = false;  // the rescaled network may classify none of the images correctly
    for (const PerturbationRecord& pr : sc.perturbations) any_valid = any_valid || pr.valid.gt(0).any().item<bool>();
    if (!any_valid) continue;
    std::string body = "set multiplot layout " + layout(study.sizes.size()) + " title 'growth ||x_k(x+d) - x_k(x)|| / ||d|| (" +
                       sc.name() + ")'\nset xlabel 'position (0 = stem, k = unit k-1)'\nset ylabel 'growth'\n"
                       "set logscale y\nset key font ',7'\n";
    for (std::size_t si = 0; si < study.sizes.size(); ++si) {
      std::string plot = "set title '||d|| = " + dat_value(study.sizes[si]) + "'\nplot ";
      int drawn = 0;
      for (std::size_t p = 0; p < sc.perturbations.size(); ++p) {
        const PerturbationRecord& pr = sc.perturbations[p];
        if (!pr.valid.gt(0).any().item<bool>()) continue;
        const std::string dn = perturbation_direction_names().name(pr.direction);
        const std::string file = "growth_" + file_safe(sc.name()) + "_" + dn + "_" + std::to_string(si) + ".dat";
        std::ofstream d(dir + "/" + file);
        d << "# position growth_mean growth_median linear_growth_mean gap_median position_name\n";
        for (std::size_t k = 0; k < study.positions.size(); ++k) {
          const PerturbationSummary s =
              summarize(pr, static_cast<std::int64_t>(si), static_cast<std::int64_t>(k));
          d << k << " " << dat_value(s.growth_mean) << " " << dat_value(s.growth_median) << " "
            << dat_value(s.linear_growth_mean) << " " << dat_value(s.gap_median) << " " << study.positions[k] << "\n";
        }
        plot += std::string(drawn++ ? ", " : "") + "'" + file + "' using 1:2 with linespoints lw 2 title '" + dn + "'";
      }
      body += plot + "\n";
    }
    gp.add_plot("growth_" + file_safe(sc.name()), body + "unset multiplot\n");
  }
  if (gp.plots().empty()) return false;
  return run_gnuplot_script(gp, dir, "jacobian_plots.gp");
}

}  // namespace curvlab
