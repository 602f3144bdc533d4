// Plots of a reconstruct study (gnuplot, PNG and SVG): for each sensor count the drawn test
// snapshot's field, true and per method side by side with the sensors marked; the test error
// against the number of sensors per method; the error over the test snapshots per method.
#pragma once

#include <cstdint>
#include <string>

#include "jobs/reconstruct/reconstruct_results.h"

namespace curvlab {

// Writes the .dat files, plots.gp and the images into `dir`; false (with a warning) without gnuplot.
// `time_sensors`: the sensor count of the error-over-time plot (the first count when absent).
bool write_reconstruct_plots(const ReconstructStudy& study, std::int64_t time_sensors, const std::string& dir);

}  // namespace curvlab
