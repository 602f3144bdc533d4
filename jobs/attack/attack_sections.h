// The job-file section of the attack kind, [attack] with its method tables ([attack.ifgsm],
// [attack.pgd], [attack.deepfool], [attack.cw], [attack.tr]), and the rules between its keys.
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

class SectionReader;

void read_attack_section(SectionReader& r, JobSpec& spec);
void check_attack_rules(const JobSpec& spec);

}  // namespace curvlab
