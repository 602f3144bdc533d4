// gnuplot data files and script for a hessian job's results (see hessian_plots.h).
#include "jobs/hessian/hessian_plots.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "base/gnuplot_script.h"

namespace curvlab {

bool write_hessian_plots(const HessianReport& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  GnuplotScript gp("Hessian plots");
  if (r.density) {
    std::ofstream d(dir + "/density.dat");
    d << "# eigenvalue density (SLQ, Gaussian sigma " << r.density->sigma << ")\n";
    auto grid = r.density->grid.accessor<double, 1>();
    auto den = r.density->density.accessor<double, 1>();
    for (std::int64_t i = 0; i < grid.size(0); ++i) d << grid[i] << " " << std::max(den[i], 1e-300) << "\n";
    gp.add_plot("density",
                "set title 'Hessian eigenvalue density (SLQ)'\nset xlabel 'eigenvalue'\nset ylabel 'density'\n"
                "set logscale y\nset yrange [1e-8:*]\nplot 'density.dat' using 1:2 with lines lw 2 title 'density'\n");
  }
  if (r.trace) {
    std::ofstream t(dir + "/layer_traces.dat");
    t << "# index layer trace se trace_per_param\n";
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
      const Estimate e = r.layer_trace(i);
      t << i << " " << r.layers[i].name << " " << e.mean << " " << e.se << " "
        << e.mean / static_cast<double>(r.layers[i].numel) << "\n";
    }
    gp.add_plot("layer_traces",
                "set title 'Hutchinson trace per layer (error bars: 1 SE)'\nset xlabel 'layer'\n"
                "set ylabel 'Tr(H_layer)'\nset xtics rotate by -45\nset style fill solid 0.5\nset boxwidth 0.6\n"
                "plot 'layer_traces.dat' using 1:3:xtic(2) with boxes title 'trace', "
                "'' using 1:3:4 with yerrorbars lc rgb 'black' pt 0 title ''\n");
    std::ofstream c(dir + "/trace_convergence.dat");
    c << "# probes running_mean running_se\n";
    for (std::size_t i = 0; i < r.trace->running_mean.size(); ++i) {
      c << i + 1 << " " << r.trace->running_mean[i] << " " << r.trace->running_se[i] << "\n";
    }
    gp.add_plot("trace_convergence",
                "set title 'Hutchinson trace: running mean +- 1 SE'\nset xlabel 'probes'\nset ylabel 'Tr(H)'\n"
                "plot 'trace_convergence.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.3 "
                "title '+-1 SE', '' using 1:2 with lines lw 2 title 'running mean'\n");
  }
  return run_gnuplot_script(gp, dir, "hessian_plots.gp");
}

}  // namespace curvlab
