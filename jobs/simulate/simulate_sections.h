// The job-file section of the simulate kind, [simulate] with [simulate.window] and
// [simulate.sweep], the guards on the lattice (tau, Mach, cylinder and window inside the grid), and
// the list of variants a sweep runs (docs/flow.md).
#pragma once

#include <string>
#include <vector>

#include "algorithms/flow/lbm_options.h"
#include "jobs/job_spec.h"

namespace curvlab {

class SectionReader;

void read_simulate_section(SectionReader& r, JobSpec& spec);
// Every variant passes the guards, or a located ConfigError says the limit and the fix.
void check_simulate_rules(const JobSpec& spec);

// One simulation of a study: its options (lengths and steps scaled, centre and window resolved) and
// its name ("re100_s1"; the sub-folder of a sweep).
struct SimulateVariant {
  std::string name;
  double re = 0, scale = 1;
  SimulateOptions options;
};

// The (re x scale) variants of [simulate.sweep], in order (re outer); one variant, named after its
// Re, when the sweep lists are empty.
std::vector<SimulateVariant> simulate_variants(const SimulateOptions& o);

// One line per variant for `curvlab validate`: name, grid, D, Re, tau, steps, snapshots, window.
std::string describe_simulate_variants(const SimulateOptions& o);

}  // namespace curvlab
