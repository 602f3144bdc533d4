// The "train" job kind: shared set-up (jobs/run/run_setup.h) -> Trainer with the job's hooks -> summary.
// A SIGUSR1/SIGTERM (Slurm's warning or preemption) stops every rank at the same step boundary with
// a checkpoint; then the job requeues itself under Slurm and exits kExitStoppedResumable (75).
#include <cstdio>

#include "base/error.h"
#include "cluster/node_list.h"
#include "cluster/stop_signals.h"
#include "engine/trainer.h"
#include "jobs/hessian/hessian_sections.h"
#include "jobs/job_kinds.h"
#include "jobs/run/run_setup.h"
#include "jobs/train/train_options.h"
#include "jobs/train/train_sections.h"

namespace curvlab {
namespace {

int run_train_job(const JobSpec& spec, const RunOptions& options) {
  const StopSignalScope signals;  // first: a warning that comes while MPI starts is not lost
  // --auto-resume runs in kResume mode on every rank (the trainer starts at step 0 when there is
  // no checkpoint), so the ranks agree on the mode whatever order they look at the directory in.
  const RunMode mode = options.auto_resume ? RunMode::kResume : options.mode;
  // Everything that can be wrong with the input is checked before any process talks to another,
  // so a bad job ends every rank the same way (exit 2) and nothing is created.
  check_run_dir(spec.job.output_dir, options.auto_resume && !holds_run(spec.job.output_dir) ? RunMode::kFresh : mode);
  RunSetup setup = start_run(spec);
  Communicator& comm = *setup.comm;
  const std::vector<std::string> nodes = gather_node_names(comm);  // from MPI; Slurm only cross-checks
  const std::string node_warning = check_nodes_against_slurm(nodes, setup.launch);
  if (setup.root() && !node_warning.empty()) std::fprintf(stderr, "warning: %s\n", node_warning.c_str());
  return run_guarded(setup, options, [&] {
    open_run_dir(spec, setup, mode, options.quiet, " on " + describe_nodes(nodes));
    TrainerCallbacks callbacks;
    callbacks.stop_requested = [] { return stop_signal_received() != 0; };
    const TrainResult r = make_job_trainer(spec, setup.comm, mode, std::move(callbacks))->run();
    if (r.stopped) return stopped_on_signal(spec, setup.launch, comm, r.steps, r.last_checkpoint);
    if (!setup.root()) return 0;
    const RunPaths& paths = setup.paths;
    write_text_atomic(paths.status, "done\n");
    std::printf("done: %lld steps (%.2f epochs) in %.1f s; test accuracy %.4f, test loss %.4f\n",
                static_cast<long long>(r.steps), r.epochs, r.wall_time, r.test_accuracy, r.test_loss);
    if (!spec.train.target_metric.empty()) {
      if (r.target_step >= 0) {
        std::printf("target %s %g reached at step %lld\n", spec.train.target_metric.c_str(), spec.train.target_value,
                    static_cast<long long>(r.target_step));
      } else {
        std::printf("target %s %g not reached\n", spec.train.target_metric.c_str(), spec.train.target_value);
      }
    }
    if (r.ensemble_size > 0) {
      std::printf("snapshot ensemble of %lld: test accuracy %.4f (%s/metrics_snapshots.csv, %s/snapshots/)\n",
                  static_cast<long long>(r.ensemble_size), r.ensemble_accuracy, paths.dir.c_str(), paths.dir.c_str());
    }
    std::printf("results: %s (HDF5), %s/metrics_steps.csv, %s/metrics_evals.csv\n", r.results_path.c_str(),
                paths.dir.c_str(), paths.dir.c_str());
    std::printf("checkpoint: %s\n", r.last_checkpoint.c_str());
    return 0;
  });
}

}  // namespace

JobKind train_job_kind() {
  return {"train", {{"train", read_train_section}, {"kfac", read_kfac_section}}, check_train_rules, run_train_job,
          "train a model (data parallel; SGD, LARS or K-FAC; batch schedules; targets)"};
}

}  // namespace curvlab
