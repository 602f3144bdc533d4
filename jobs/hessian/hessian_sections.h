// The job-file sections of the hessian kind: [hessian] (also read by train jobs for curvature
// tracking) and [quant] (HAWQ-V2), and the rules between their keys.
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

class SectionReader;

void read_hessian_section(SectionReader& r, JobSpec& spec);
void read_quant_section(SectionReader& r, JobSpec& spec);
void check_hessian_rules(const JobSpec& spec);

}  // namespace curvlab
