// The job-kind registry: the ONE place a kind is registered (add a line here, see job_kinds.h).
#include "jobs/job_kinds.h"

#include "base/error.h"

namespace curvlab {

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> kinds = {train_job_kind(), hessian_job_kind(), attack_job_kind(),
                                               jacobian_job_kind(), simulate_job_kind(),
                                               reconstruct_job_kind()};
  return kinds;
}

const std::vector<std::string>& job_kind_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& k : job_kinds()) n.push_back(k.name);
    return n;
  }();
  return names;
}

int run_job(const JobSpec& spec, const RunOptions& options) {
  for (const auto& k : job_kinds()) {
    if (k.name == spec.job.kind) return k.run(spec, options);
  }
  CURVLAB_THROW(ConfigError, spec.where("job.kind").str() + ": unknown job.kind '" + spec.job.kind + "'");
}

}  // namespace curvlab
