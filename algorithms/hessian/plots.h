// Plots of Hessian results with gnuplot (PNG and SVG): the spectral density (log scale), the
// per-layer traces with standard-error bars, the Hutchinson running mean with its SE band, and
// the top eigenvalue over training. Each plot is a .dat file plus one .gp script in the output
// directory, so a user can restyle and rerun it (`gnuplot hessian_plots.gp`).
// Not for: the numbers themselves (analysis.h writes them to HDF5).
#pragma once

#include <string>

#include "algorithms/hessian/analysis.h"

namespace curvlab {

// Writes the data and script into `dir` and runs gnuplot there. Returns false (and says why on
// stderr) when gnuplot is missing or fails; the data and script are written either way.
bool write_hessian_plots(const HessianReport& report, const std::string& dir);

// `csv` has the columns step,epoch,top_eigenvalue,...; writes eigenvalue_tracking.{gp,png,svg}.
bool write_tracking_plot(const std::string& csv, const std::string& dir);

}  // namespace curvlab
