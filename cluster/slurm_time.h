// Slurm's time-limit strings ("90", "30:00", "12:00:00", "2-00:00:00") <-> seconds.
// Not for: anything else about Slurm (cluster/slurm_script.h writes scripts).
#pragma once

#include <cstdint>
#include <string>

namespace curvlab {

// Seconds in a Slurm time limit written as minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS
// (the forms sbatch --time accepts); -1 when `text` is none of these. "0" and "UNLIMITED" are
// not accepted: a job that can be preempted needs a finite limit to be warned before.
std::int64_t slurm_time_seconds(const std::string& text);

// "HH:MM:SS" (or "D-HH:MM:SS" from one day on) for a number of seconds >= 0.
std::string format_slurm_time(std::int64_t seconds);

}  // namespace curvlab
