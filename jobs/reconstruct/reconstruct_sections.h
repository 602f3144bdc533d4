// The job-file section of the reconstruct kind, [reconstruct], and the rules between its keys and
// [data]/[train] (docs/flow.md).
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

class SectionReader;

void read_reconstruct_section(SectionReader& r, JobSpec& spec);
void check_reconstruct_rules(const JobSpec& spec);

}  // namespace curvlab
