// The job-kind registry: the one place a kind name becomes a runner.
#include "jobs/runners/runner.h"

#include <map>

#include "engine/error.h"

namespace curvlab {
namespace {
const std::map<std::string, Runner>& registry() {
  static const std::map<std::string, Runner> r = {{"train", run_train_job}, {"hessian", run_hessian_job}};
  return r;
}
}  // namespace

const std::vector<std::string>& job_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k;
    for (const auto& [name, fn] : registry()) k.push_back(name);
    return k;
  }();
  return kinds;
}

int run_job(const JobSpec& spec, const RunOptions& options) {
  auto it = registry().find(spec.job.kind);
  CURVLAB_CHECK(it != registry().end(), ConfigError,
                spec.where("job.kind").str() + ": unknown job.kind '" + spec.job.kind + "'");
  return it->second(spec, options);
}

}  // namespace curvlab
