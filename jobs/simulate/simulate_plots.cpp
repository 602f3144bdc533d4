// Plots of a simulate run (see simulate_plots.h).
#include "jobs/simulate/simulate_plots.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "base/gnuplot_script.h"

namespace curvlab {

bool write_flow_plots(const FlowRecord& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::int64_t T = r.vorticity.size(0), H = r.vorticity.size(1), W = r.vorticity.size(2);
  {
    // x y vorticity (gnuplot "with image": a full regular grid, so 0 on the cylinder, drawn over in grey).
    std::ofstream d(dir + "/vorticity.dat");
    d << "# x y vorticity (snapshot at step " << r.step[T - 1].item<std::int64_t>() << ")\n";
    const torch::Tensor v = r.vorticity[T - 1].to(torch::kFloat64).contiguous();
    const double* pv = v.data_ptr<double>();
    const torch::Tensor m = r.mask.contiguous();
    const std::uint8_t* pm = m.data_ptr<std::uint8_t>();
    for (std::int64_t i = 0; i < H; ++i) {
      for (std::int64_t j = 0; j < W; ++j) {
        d << r.x[j].item<std::int64_t>() << " " << r.y[i].item<std::int64_t>() << " "
          << (pm[i * W + j] ? "0" : dat_value(pv[i * W + j])) << "\n";
      }
      d << "\n";
    }
  }
  {
    std::ofstream d(dir + "/lift.dat");
    d << "# step C_L C_D\n";
    for (std::int64_t k = 0; k < r.lift.size(0); ++k) {
      d << r.lift_step[k].item<std::int64_t>() << " " << dat_value(r.lift[k].item<double>()) << " "
        << dat_value(r.drag[k].item<double>()) << "\n";
    }
  }
  const double vmax = std::max(1e-12, r.vorticity[T - 1].abs().max().item<double>() * 0.6);
  GnuplotScript gp("cylinder wake: vorticity and lift (curvlab simulate)");
  std::string cylinder;
  if (r.params.count("center_x") && r.params.count("center_y") && r.params.count("diameter")) {
    cylinder = "set object 1 circle at " + dat_value(r.params.at("center_x")) + "," + dat_value(r.params.at("center_y")) +
               " size " + dat_value(0.5 * r.params.at("diameter")) + " fc rgb 'gray' fs solid front\n";
  }
  gp.add_plot("vorticity", "set title 'vorticity (lattice units), last snapshot'\nset xlabel 'x (cells)'\n"
                           "set ylabel 'y (cells)'\nset size ratio -1\nset palette defined (-1 'blue', 0 'white', 1 'red')\n"
                           "set cbrange [" + dat_value(-vmax) + ":" + dat_value(vmax) + "]\n" + cylinder +
                           "plot 'vorticity.dat' using 1:2:3 with image notitle\n");
  gp.add_plot("lift", "set title 'lift and drag coefficients after warmup'\nset xlabel 'step'\nset ylabel 'coefficient'\n"
                      "plot 'lift.dat' using 1:2 with lines title 'C_L', '' using 1:3 with lines title 'C_D'\n");
  return run_gnuplot_script(gp, dir, "flow_plots.gp");
}

}  // namespace curvlab
