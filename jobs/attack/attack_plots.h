// gnuplot data files and script for an attack study (see attack_results.h): accuracy against eps
// per norm, histograms of the relative perturbation of each minimal attack, and grids of the saved
// clean/adversarial pairs.
#pragma once

#include <string>
#include <vector>

#include "jobs/attack/attack_results.h"

namespace curvlab {

// Writes dir/*.dat and dir/attack_plots.gp and runs gnuplot; false (with a warning) without it.
bool write_attack_plots(const std::vector<AttackRun>& runs, const std::string& dir);

}  // namespace curvlab
