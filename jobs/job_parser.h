// Reads a job file (TOML) into a JobSpec and checks every value: types, ranges, allowed names,
// unknown keys (with did-you-mean), and rules that tie keys together. See docs/job-files.md.
// Not for: checks that need the disk (data files, data set sizes: jobs/job_resources.h) or the
// output directory (the CLI). Errors are ConfigError with messages "FILE:LINE:COLUMN: ...".
#pragma once

#include <string>
#include <vector>

#include "jobs/job_resources.h"  // check_job_resources(spec): the checks that need the disk
#include "jobs/job_spec.h"

namespace curvlab {

// Parses `text` as a job file named `source_name` (used in messages and as JobSpec::source_path).
// `overrides` are "dotted.key=value" strings from the command line (--set train.lr=0.05): each
// value is read as a TOML value (else as a plain string) and written into the file's table before
// validation, so it is checked like the file; its location in messages is "--set dotted.key=value".
// JobSpec::source_text is `text` as given when there are no overrides; with overrides it is the
// resolved document (a comment naming the file and the overrides, then the table with them
// applied), which is what run directories (job.toml) and checkpoints (job_text) record.
JobSpec parse_job_text(const std::string& text, const std::string& source_name,
                       const std::vector<std::string>& overrides = {});

// Reads the file at `path` and parses it as above; a missing or unreadable file is a ConfigError.
JobSpec load_job_file(const std::string& path, const std::vector<std::string>& overrides = {});

// Every key a job file may hold, dotted ("job.name", ..., "train.lr_schedule.kind", "comm.backend"),
// in the order the parser reads them; sub-tables appear as keys too ("train.lr_schedule").
std::vector<std::string> job_file_keys();

// The names allowed for a key that takes one of a fixed set ("data.dataset", "model.name",
// "model.activation", "train.optimizer", "train.lr_schedule.kind", "job.kind", "comm.backend");
// empty for any other key.
const std::vector<std::string>& allowed_values(const std::string& dotted_key);

}  // namespace curvlab
