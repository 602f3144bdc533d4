// The job-file sections of the train kind: [train] (with [train.lr_schedule],
// [train.batch_schedule], [train.lars]) and [kfac], and the rules that tie their keys together.
// Each error points at the key to change (file:line:column).
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

class SectionReader;

void read_train_section(SectionReader& r, JobSpec& spec);
void read_kfac_section(SectionReader& r, JobSpec& spec);
// Rules of [train] and [kfac] (for every job kind: a hessian job reads train.threads too).
void check_train_rules(const JobSpec& spec);

}  // namespace curvlab
