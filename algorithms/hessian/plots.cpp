// gnuplot data files and scripts for Hessian results.
#include "algorithms/hessian/plots.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace curvlab {
namespace {
bool run_gnuplot(const std::string& dir, const std::string& script) {
  const std::string cmd = "cd '" + dir + "' && gnuplot '" + script + "' > gnuplot.log 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::fprintf(stderr, "warning: gnuplot failed on %s/%s (exit %d; see %s/gnuplot.log; is gnuplot installed? "
                         "Debian: apt-get install gnuplot-nox). The data files are there.\n",
                 dir.c_str(), script.c_str(), rc, dir.c_str());
    return false;
  }
  return true;
}

// Each plot twice: PNG then SVG.
void both_terminals(std::ofstream& gp, const std::string& name, const std::string& body) {
  gp << "set terminal pngcairo size 900,600 noenhanced\nset output '" << name << ".png'\n" << body
     << "set terminal svg size 900,600 noenhanced\nset output '" << name << ".svg'\n" << body << "\n";
}
}  // namespace

bool write_hessian_plots(const HessianReport& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream gp(dir + "/hessian_plots.gp");
  gp << "# Hessian plots written by curvlab; rerun with: gnuplot hessian_plots.gp\nset grid\n";
  if (r.density) {
    std::ofstream d(dir + "/density.dat");
    d << "# eigenvalue density (SLQ, Gaussian sigma " << r.density->sigma << ")\n";
    auto grid = r.density->grid.accessor<double, 1>();
    auto den = r.density->density.accessor<double, 1>();
    for (std::int64_t i = 0; i < grid.size(0); ++i) d << grid[i] << " " << std::max(den[i], 1e-300) << "\n";
    both_terminals(gp, "density",
                   "set title 'Hessian eigenvalue density (SLQ)'\nset xlabel 'eigenvalue'\nset ylabel 'density'\n"
                   "set logscale y\nset yrange [1e-8:*]\nplot 'density.dat' using 1:2 with lines lw 2 title 'density'\n"
                   "unset logscale y\nset yrange [*:*]\n");
  }
  if (r.trace) {
    std::ofstream t(dir + "/layer_traces.dat");
    t << "# index layer trace se trace_per_param\n";
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
      const Estimate e = r.layer_trace(i);
      t << i << " " << r.layers[i].name << " " << e.mean << " " << e.se << " "
        << e.mean / static_cast<double>(r.layers[i].numel) << "\n";
    }
    both_terminals(gp, "layer_traces",
                   "set title 'Hutchinson trace per layer (error bars: 1 SE)'\nset xlabel 'layer'\n"
                   "set ylabel 'Tr(H_layer)'\nset xtics rotate by -45\nset style fill solid 0.5\nset boxwidth 0.6\n"
                   "plot 'layer_traces.dat' using 1:3:xtic(2) with boxes title 'trace', "
                   "'' using 1:3:4 with yerrorbars lc rgb 'black' pt 0 title ''\nset xtics norotate\n");
    std::ofstream c(dir + "/trace_convergence.dat");
    c << "# probes running_mean running_se\n";
    for (std::size_t i = 0; i < r.trace->running_mean.size(); ++i) {
      c << i + 1 << " " << r.trace->running_mean[i] << " " << r.trace->running_se[i] << "\n";
    }
    both_terminals(gp, "trace_convergence",
                   "set title 'Hutchinson trace: running mean +- 1 SE'\nset xlabel 'probes'\nset ylabel 'Tr(H)'\n"
                   "plot 'trace_convergence.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.3 "
                   "title '+-1 SE', '' using 1:2 with lines lw 2 title 'running mean'\n");
  }
  gp.close();
  return run_gnuplot(dir, "hessian_plots.gp");
}

bool write_tracking_plot(const std::string& csv, const std::string& dir) {
  std::ofstream gp(dir + "/eigenvalue_tracking.gp");
  gp << "# Top Hessian eigenvalue over training; rerun with: gnuplot eigenvalue_tracking.gp\n"
     << "set grid\nset datafile separator ','\nset key autotitle columnhead\n";
  const std::string name = std::filesystem::path(csv).filename().string();
  both_terminals(gp, "eigenvalue_tracking",
                 "set title 'Top Hessian eigenvalue during training'\nset xlabel 'epoch'\nset ylabel 'eigenvalue'\n"
                 "plot '" + name + "' using 2:3 with linespoints lw 2 title 'top eigenvalue'\n");
  gp.close();
  return run_gnuplot(dir, "eigenvalue_tracking.gp");
}

}  // namespace curvlab
