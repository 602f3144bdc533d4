// Plots of a simulate run (gnuplot via base/gnuplot_script.h): the last vorticity snapshot of the
// window with the cylinder, and the lift and drag coefficients after warmup. Not for: flow.h5.
#pragma once

#include <string>

#include "jobs/simulate/simulate_results.h"

namespace curvlab {

// Writes dir/vorticity.dat, dir/lift.dat, dir/flow_plots.gp and, when gnuplot is there,
// vorticity.png/.svg and lift.png/.svg. Returns whether the images were drawn.
bool write_flow_plots(const FlowRecord& record, const std::string& dir);

}  // namespace curvlab
