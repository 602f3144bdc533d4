// Plots of a jacobian job (gnuplot, PNG + SVG): the singular-value distribution of each residual
// unit, one panel per (alpha, beta); the growth of perturbations per unit, random against
// adversarial, one panel per size. Not for: the numbers themselves (jacobian_results.h).
#pragma once

#include <string>

#include "jobs/jacobian/jacobian_results.h"

namespace curvlab {

// Writes the .dat files, jacobian_plots.gp and the images into `dir`; false (with a warning) when
// gnuplot is missing or fails.
bool write_jacobian_plots(const JacobianStudy& study, const std::string& dir);

}  // namespace curvlab
