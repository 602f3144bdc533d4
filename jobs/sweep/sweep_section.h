// Reading the [sweep] section of a job file into SweepSpec: the grid and random keys (each must be a
// job-file key that a sweep may vary), the target and the budget. Called by the job parser (one row
// of its kSections); the expansion into runs, and the check of every run's values, is
// jobs/sweep/sweep_expand.h. Internal to job-file parsing (includes toml++ via section_reader.h).
#pragma once

#include "jobs/job_spec.h"
#include "jobs/section_reader.h"

namespace curvlab {

// Reads [sweep] (absent: spec.sweep.present stays false). Errors point at the key to change.
void read_sweep(SectionReader& r, JobSpec& spec);

// Rules between [sweep] keys and the rest of the file (budget vs swept train.steps, target ranges).
void check_sweep_rules(const JobSpec& spec);

// The distributions [sweep.random] knows: uniform, log_uniform, choice.
const std::vector<std::string>& sweep_distributions();
// The metrics sweep.target_metric names: test_accuracy (higher is better), test_loss, train_loss.
const std::vector<std::string>& sweep_target_metrics();

}  // namespace curvlab
