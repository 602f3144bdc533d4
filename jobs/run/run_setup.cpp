// Shared runner set-up of the job kinds (see run_setup.h).
#include "jobs/run/run_setup.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "base/blas_threads.h"
#include "base/error.h"
#include "comm/factory.h"
#include "jobs/run/run_failure.h"

namespace curvlab {

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
    } else if (read_text_file(s.paths.job_file) != spec.source_text) {
      std::fprintf(stderr, "warning: %s differs from the job file the run started with (%s); continuing with %s\n",
                   spec.source_path.c_str(), s.paths.job_file.c_str(), spec.source_path.c_str());
    }
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
