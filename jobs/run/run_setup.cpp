// Shared runner set-up of the job kinds (see run_setup.h).
#include "jobs/run/run_setup.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "base/blas_threads.h"
#include "base/error.h"
#include "base/log.h"
#include "cluster/requeue.h"
#include "cluster/stop_signals.h"
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

// After the trainer stopped on a signal (every rank, same step, checkpoint written): record it in
// the status file, requeue the Slurm job (rank 0, when cluster.requeue), exit "stopped, resumable".
int stopped_on_signal(const JobSpec& spec, const LaunchContext& launch, Communicator& comm, std::int64_t step,
                      const std::string& checkpoint) {
  const RunPaths paths(spec.job.output_dir);
  const int mine = stop_signal_received();
  const std::string why = mine != 0 ? stop_signal_name(mine) : "a stop signal on another rank";
  comm.barrier();  // every rank is past its checkpoint write before the job may be requeued
  if (comm.rank() == 0) {
    const std::string at = why + " at step " + std::to_string(step) + "; checkpoint " + checkpoint;
    std::string note = "run again with --resume (or --auto-resume) to continue";
    bool requeued = false;
    if (!launch.slurm_job_id.empty() && spec.cluster.requeue) {
      // The status is written first: once Slurm requeues the job it may end this process any time.
      write_text_atomic(paths.status, "requeued: " + at + "; Slurm job " + launch.slurm_job_id + "\n");
      const RequeueOutcome q = requeue_slurm_job(launch.slurm_job_id);
      requeued = q.ok;
      if (requeued) {
        std::fprintf(stderr, "curvlab: stopped on %s; Slurm job %s requeued: it resumes from this checkpoint\n",
                     at.c_str(), launch.slurm_job_id.c_str());
      } else {
        note = "could not requeue Slurm job " + launch.slurm_job_id + " (" + q.message +
               "); resubmit it (curvlab submit) or run again with --auto-resume";
      }
    }
    if (!requeued) {
      write_text_atomic(paths.status, "stopped: " + at + "\n");
      std::fprintf(stderr, "curvlab: stopped on %s; %s (exit status %d)\n", at.c_str(), note.c_str(),
                   kExitStoppedResumable);
    }
  }
  // The other ranks wait for rank 0: a launcher that ends the job when one rank exits non-zero
  // (srun --kill-on-bad-exit) must not stop rank 0 before it has requeued the job.
  comm.barrier();
  return kExitStoppedResumable;
}

}  // namespace curvlab
