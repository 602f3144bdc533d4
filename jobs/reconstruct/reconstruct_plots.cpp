// Reconstruct study plots (see reconstruct_plots.h).
#include "jobs/reconstruct/reconstruct_plots.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "base/gnuplot_script.h"

namespace curvlab {
namespace {

// A field [H, W] as a gnuplot matrix file (rows = y, columns = x).
void write_matrix(const torch::Tensor& f, const std::string& path) {
  const torch::Tensor c = f.to(torch::kFloat64).contiguous();
  std::ofstream out(path);
  for (std::int64_t i = 0; i < c.size(0); ++i) {
    for (std::int64_t j = 0; j < c.size(1); ++j) out << (j ? " " : "") << dat_value(c[i][j].item<double>());
    out << "\n";
  }
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

bool write_reconstruct_plots(const ReconstructStudy& s, std::int64_t time_sensors, const std::string& dir) {
  std::filesystem::create_directories(dir);
  GnuplotScript gp("reconstruct study plots");
  write_matrix(s.plot_truth, dir + "/field_truth.dat");
  const double range = std::max(1e-30, s.plot_truth.abs().max().item<double>());
  const std::string palette = "set palette defined (-1 '#2166ac', 0 '#f7f7f7', 1 '#b2182b')\n";
  for (const CountRecord& c : s.counts) {
    const std::string tag = "sensors_" + std::to_string(c.sensors);
    {
      std::ofstream pts(dir + "/" + tag + "_positions.dat");
      pts << "# column row (window indices) of each sensor\n";
      for (std::size_t i = 0; i < c.layout.pixels.size(); ++i) pts << c.layout.cols[i] << " " << c.layout.rows[i] << "\n";
    }
    std::string body = palette + "set cbrange [" + dat_value(-range) + ":" + dat_value(range) +
                       "]\nset size ratio -1\nunset key\nset xrange [-0.5:" + std::to_string(s.geometry.width) +
                       "-0.5]\nset yrange [-0.5:" + std::to_string(s.geometry.height) + "-0.5]\n" +
                       "set multiplot layout " + std::to_string((c.methods.size() + 2) / 2) + ",2\n";
    const auto panel = [&](const std::string& title, const std::string& file) {
      body += "set title '" + title + "'\nplot " + quoted(file) + " matrix with image, " +
              quoted(tag + "_positions.dat") + " using 1:2 with points pt 7 ps 1.2 lc rgb '#ff7f00'\n";
    };
    panel("true " + s.field + " (test snapshot " + std::to_string(s.plot_snapshot) + "), " +
              std::to_string(c.sensors) + " sensors",
          "field_truth.dat");
    for (const MethodErrors& m : c.methods) {
      const std::string& name = reconstruct_method_names().name(m.method);
      const std::string file = tag + "_" + name + ".dat";
      write_matrix(m.plot_field, dir + "/" + file);
      char err[64];
      std::snprintf(err, sizeof(err), "%.4f", m.test_errors[s.plot_snapshot].item<double>());
      panel(name + " (error " + err + ")", file);
    }
    body += "unset multiplot\n";
    gp.add_plot("fields_" + tag, body);
  }
  // Error against the number of sensors, one line per method.
  const std::vector<MethodErrors>& first = s.counts.front().methods;
  std::string lines;
  for (std::size_t k = 0; k < first.size(); ++k) {
    const std::string& name = reconstruct_method_names().name(first[k].method);
    std::ofstream d(dir + "/error_vs_sensors_" + name + ".dat");
    d << "# sensors test_error train_error\n";
    for (const CountRecord& c : s.counts) {
      d << c.sensors << " " << dat_value(c.methods[k].test_error) << " " << dat_value(c.methods[k].train_error) << "\n";
    }
    lines += std::string(lines.empty() ? "plot " : ", ") + quoted("error_vs_sensors_" + name + ".dat") +
             " using 1:2 with linespoints lw 2 title '" + name + "'";
  }
  gp.add_plot("error_vs_sensors", "set title 'relative test error against the number of sensors'\nset xlabel "
                                  "'sensors'\nset ylabel 'relative error (deviation from the mean)'\nset logscale y\n"
                                  "set key top right\n" + lines + "\n");
  // Error over the test snapshots for one count.
  const CountRecord* chosen = &s.counts.front();
  for (const CountRecord& c : s.counts) {
    if (c.sensors == time_sensors) chosen = &c;
  }
  lines.clear();
  for (const MethodErrors& m : chosen->methods) {
    const std::string& name = reconstruct_method_names().name(m.method);
    std::ofstream d(dir + "/error_over_time_" + name + ".dat");
    d << "# lattice_step test_error\n";
    for (std::int64_t i = 0; i < m.test_errors.numel(); ++i) {
      d << s.test_steps[i].item<std::int64_t>() << " " << dat_value(m.test_errors[i].item<double>()) << "\n";
    }
    lines += std::string(lines.empty() ? "plot " : ", ") + quoted("error_over_time_" + name + ".dat") +
             " using 1:2 with lines lw 2 title '" + name + "'";
  }
  gp.add_plot("error_over_time", "set title 'relative test error per snapshot, " + std::to_string(chosen->sensors) +
                                     " sensors'\nset xlabel 'lattice step'\nset ylabel 'relative error'\n"
                                     "set logscale y\nset key top left\n" + lines + "\n");
  return run_gnuplot_script(gp, dir, "plots.gp");
}

}  // namespace curvlab
