// A sweep as one Slurm job array (see sweep_submit.h).
#include "jobs/sweep/sweep_submit.h"

#include <cstdio>
#include <filesystem>

#include "jobs/sweep/sweep_expand.h"
#include "jobs/sweep/sweep_runner.h"

namespace curvlab {

SubmitResult submit_sweep(const JobSpec& spec, const std::vector<std::string>& overrides, const SubmitOptions& options) {
  const SweepPlan plan = expand_sweep(spec, overrides);
  check_sweep_resources(plan);
  for (const std::string& dir : write_sweep_layout(plan, spec)) {
    std::fprintf(stderr, "note: %s matches no run of this sweep (its settings changed since it ran); it is kept, "
                         "not used\n", dir.c_str());
  }
  std::vector<BatchRun> runs;
  std::vector<BatchRun> diverged;
  for (const SweepRun& r : plan.runs) {
    if (sweep_run_action(r.run_dir, /*retry_failed=*/false) == SweepRunAction::kSkipDiverged) {
      diverged.push_back({r.job_file, r.run_dir});
    } else {
      runs.push_back({r.job_file, r.run_dir});
    }
  }
  SubmitResult result;
  if (!runs.empty()) {
    SubmitOptions array_options = options;
    array_options.overrides.clear();  // already in each resolved job file
    const std::string array_dir = (std::filesystem::path(plan.sweep_dir) / kSweepSlurmDir).string();
    result = submit_array(plan.name, runs, array_dir, spec.cluster, array_options);
  }
  result.skipped.insert(result.skipped.end(), diverged.begin(), diverged.end());
  return result;
}

}  // namespace curvlab
