// The "train" job kind: launch context -> communicator -> run directory -> Trainer -> summary.
#include <torch/torch.h>

#include <cstdio>
#include <thread>

#include "cluster/launch_context.h"
#include "comm/factory.h"
#include "engine/error.h"
#include "engine/trainer.h"
#include "jobs/runners/runner.h"

namespace curvlab {

int run_train_job(const JobSpec& spec, const RunOptions& options) {
  const LaunchContext launch = detect_launch_context();
  // Everything that can be wrong with the input is checked before any process talks to another,
  // so a bad job ends every rank the same way (exit 2) and nothing is created.
  check_run_dir(spec.job.output_dir, options.mode);

  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = spec.train.threads > 0 ? static_cast<int>(spec.train.threads)
                                             : std::max(1, hw / std::max(1, launch.env_local_size));
  torch::set_num_threads(threads);

  CommunicatorPtr comm = make_communicator(spec.comm, launch, /*cuda_model=*/false);
  const bool root = comm->rank() == 0;
  const RunPaths paths(spec.job.output_dir);
  try {
    if (root) {
      prepare_run_dir(spec.job.output_dir, options.mode);
      if (options.mode != RunMode::kResume) {
        write_text_atomic(paths.job_file, spec.source_text);
      } else if (read_text_file(paths.job_file) != spec.source_text) {
        std::fprintf(stderr, "warning: %s differs from the job file the run started with (%s); continuing with %s\n",
                     spec.source_path.c_str(), paths.job_file.c_str(), spec.source_path.c_str());
      }
      write_text_atomic(paths.status, "running\n");
      if (!options.quiet) {
        std::fprintf(stderr, "curvlab: job '%s' (%s) on %d rank(s) [%s backend], %d thread(s) per rank -> %s\n",
                     spec.job.name.c_str(), spec.job.kind.c_str(), comm->size(), comm->backend().c_str(), threads,
                     spec.job.output_dir.c_str());
      }
    }
    comm->barrier();

    Trainer trainer(spec, comm, options.mode);
    const TrainResult r = trainer.run();
    if (root) {
      write_text_atomic(paths.status, "done\n");
      std::printf("done: %lld steps (%.2f epochs) in %.1f s; test accuracy %.4f, test loss %.4f\n",
                  static_cast<long long>(r.steps), r.epochs, r.wall_time, r.test_accuracy, r.test_loss);
      std::printf("results: %s (HDF5), %s/metrics_steps.csv, %s/metrics_evals.csv\n", r.results_path.c_str(),
                  paths.dir.c_str(), paths.dir.c_str());
      std::printf("checkpoint: %s\n", r.last_checkpoint.c_str());
    }
    return 0;
  } catch (const Error& e) {
    if (root) {
      try {
        write_text_atomic(paths.status, std::string("failed: ") + e.what() + "\n");
      } catch (const Error&) {
      }
    }
    if (comm->size() > 1) {
      std::fprintf(stderr, "error (rank %d of %d): %s\n  at %s\n", comm->rank(), comm->size(), e.what(), e.where().c_str());
      std::fflush(stderr);
      comm->abort(e.exit_code());
    }
    throw;
  } catch (const std::exception& e) {
    if (comm->size() > 1) {
      std::fprintf(stderr, "error (rank %d of %d): %s\n", comm->rank(), comm->size(), e.what());
      std::fflush(stderr);
      comm->abort(1);
    }
    throw;
  }
}

}  // namespace curvlab
