// Plots of a hessian job's results with gnuplot (PNG and SVG, base/gnuplot_script.h): the spectral
// density (log scale), the per-layer traces with standard-error bars, and the Hutchinson running
// mean with its SE band. Each plot is a .dat file plus one .gp script in the output directory, so a
// user can restyle and rerun it (`gnuplot hessian_plots.gp`).
// Not for: the numbers themselves (algorithms/hessian/analysis.h writes them to HDF5).
#pragma once

#include <string>

#include "algorithms/hessian/analysis.h"

namespace curvlab {

// Writes the data and script into `dir` and runs gnuplot there. Returns false (and says why on
// stderr) when gnuplot is missing or fails; the data and script are written either way.
bool write_hessian_plots(const HessianReport& report, const std::string& dir);

}  // namespace curvlab
