// Checks of a parsed job against the disk: data files present and readable, subset and batch sizes
// that fit the data set. Cheap (reads file headers only), so `curvlab validate` runs it too.
// Not for: syntax, types and ranges (jobs/job_parser.h) or the output directory (the CLI).
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

// Throws ConfigError "FILE:LINE:COLUMN: ..." pointing at the key to change: data.root (or
// data.dataset) when data files are missing or unreadable, with the fix (the Debian package to
// install, or data.root); data.train_subset / data.test_subset when larger than the split;
// train.batch_size when larger than the (subset) training set.
void check_job_resources(const JobSpec& spec);

}  // namespace curvlab
