// Shared runner set-up of the job kinds (see run_setup.h).
#include "jobs/run/run_setup.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "base/blas_threads.h"
#include "base/error.h"
#include "base/log.h"
#include "comm/factory.h"
#include "jobs/job_parser.h"
#include "jobs/run/run_failure.h"

namespace curvlab {
namespace {

// On a resume: the settings that differ between the job the run started with (its job.toml, as
// resolved then) and this one, compared value by value (defaults included), not as texts; the
// output directory is the run itself whatever its spelling. The run goes on with the new job.
void warn_if_job_changed(const JobSpec& spec, const std::string& stored_path) {
  std::vector<std::string> changed;
  try {
    const JobSpec before = parse_job_text(read_text_file(stored_path), stored_path);
    changed = resolved_differences(before, spec, {"job.output_dir"});
  } catch (const Error& e) {
    log::warn("cannot compare this job with the one the run started with (" + stored_path + " does not parse: " +
              e.what() + "); continuing with " + spec.source_path);
    return;
  }
  if (changed.empty()) return;
  std::string list;
  for (const std::string& c : changed) list += "\n  " + c;
  log::warn(spec.source_path + " differs from the job the run started with (" + stored_path + ") in " +
            std::to_string(changed.size()) + " setting(s); continuing with " + spec.source_path + ":" + list);
}

}  // namespace

RunSetup start_run(const JobSpec& spec) {
  RunSetup s{detect_launch_context(), 1, nullptr, RunPaths(spec.job.output_dir)};
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s.threads = spec.train.threads > 0 ? static_cast<int>(spec.train.threads)
                                     : std::max(1, hw / std::max(1, s.launch.env_local_size));
  torch::set_num_threads(s.threads);
  set_openblas_threads(1);
  s.comm = make_communicator(spec.comm, s.launch.info(), /*cuda_model=*/false);
  return s;
}

void open_run_dir(const JobSpec& spec, RunSetup& s, RunMode mode, bool quiet, const std::string& detail) {
  if (s.root()) {
    prepare_run_dir(spec.job.output_dir, mode);
    if (mode != RunMode::kResume || !std::filesystem::exists(s.paths.job_file)) {
      write_text_atomic(s.paths.job_file, spec.source_text);
    } else {
      warn_if_job_changed(spec, s.paths.job_file);
    }
    s.heartbeat = std::make_shared<Heartbeat>(s.paths.heartbeat);  // its first beat is written at once
    write_text_atomic(s.paths.status, "running\n");
    if (!quiet) {
      std::fprintf(stderr, "curvlab: job '%s' (%s) on %d rank(s)%s [%s backend], %d thread(s) per rank -> %s\n",
                   spec.job.name.c_str(), spec.job.kind.c_str(), s.comm->size(), detail.c_str(),
                   s.comm->backend().c_str(), s.threads, spec.job.output_dir.c_str());
    }
  }
  s.comm->barrier();
}

int run_guarded(RunSetup& s, const RunOptions& options, const std::function<int()>& body) {
  try {
    return body();
  } catch (const Error& e) {
    report_run_failure(e, *s.comm, s.paths.status, options.divergence_ends_run_only && is_divergence(e));
    throw;
  } catch (const std::exception& e) {
    if (s.comm->size() > 1) {
      std::fprintf(stderr, "error (rank %d of %d): %s\n", s.comm->rank(), s.comm->size(), e.what());
      std::fflush(stderr);
      s.comm->abort(1);
    }
    throw;
  }
}

}  // namespace curvlab
