// A human-readable summary of a state file (backs `curvlab inspect CKPT`): root attributes
// (long texts such as the job file shortened to their first lines), the tree of groups and
// datasets with dtype, shape and values or tensor statistics, and whether the checksum holds.
// Not for: verification that throws (open_state_file) or machine-readable output.
#pragma once

#include <ostream>
#include <string>

namespace curvlab {

// Prints the summary to `out`. Throws IoError only when the file cannot be opened at all; a
// checksum mismatch or an unreadable dataset is reported in the output.
void inspect_state_file(const std::string& path, std::ostream& out);

}  // namespace curvlab
