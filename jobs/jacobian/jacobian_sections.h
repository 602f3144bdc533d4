// The job-file section of the jacobian kind, [jacobian] with [jacobian.perturbation],
// [jacobian.tr] and [jacobian.deepfool], and the rules between its keys (docs/jacobian.md).
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

class SectionReader;

void read_jacobian_section(SectionReader& r, JobSpec& spec);
void check_jacobian_rules(const JobSpec& spec);

}  // namespace curvlab
