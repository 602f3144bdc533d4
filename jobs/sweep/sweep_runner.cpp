// The local sweep loop: expand, write the layout, run each pending run in-process, print the table.
#include "jobs/sweep/sweep_runner.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cluster/launch_context.h"
#include "cluster/stop_signals.h"
#include "comm/mpi/mpi_runtime.h"
#include "algorithms/scaling/target.h"
#include "base/error.h"
#include "base/run_dir.h"
#include "jobs/job_parser.h"
#include "jobs/run/run_failure.h"
#include "jobs/job_kinds.h"
#include "jobs/sweep/sweep_expand.h"
#include "jobs/sweep/sweep_status.h"

namespace curvlab {
namespace {

std::string status_line(const std::string& run_dir) {
  std::ifstream in(RunPaths(run_dir).status);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

}  // namespace

SweepRunAction sweep_run_action(const std::string& run_dir, bool retry_failed) {
  const std::string status = status_line(run_dir);
  if (status.rfind("done", 0) == 0) return SweepRunAction::kSkipDone;
  if (status.rfind("failed: diverged", 0) == 0) return retry_failed ? SweepRunAction::kRestart : SweepRunAction::kSkipDiverged;
  return SweepRunAction::kRun;  // not started, running (killed), stopped, requeued, failed otherwise: resume
}

int print_sweep_expansion(const JobSpec& spec, const std::vector<std::string>& overrides) {
  const SweepPlan plan = expand_sweep(spec, overrides);
  check_sweep_resources(plan);
  std::printf("%s: ok: a sweep of %zu run(s) (%zu grid point(s)", spec.source_path.c_str(), plan.runs.size(),
              plan.grid_points);
  if (spec.sweep.random_samples > 0) {
    std::printf(" x %lld random draw(s), seed %llu", static_cast<long long>(spec.sweep.random_samples),
                static_cast<unsigned long long>(spec.sweep.random_seed));
  }
  std::printf(")");
  if (plan.duplicates > 0) std::printf(", %zu duplicate combination(s) dropped", plan.duplicates);
  std::printf(" -> %s\n", plan.sweep_dir.c_str());
  if (!spec.sweep.target_metric.empty()) {
    std::printf("target: %s %s %g%s\n", spec.sweep.target_metric.c_str(),
                higher_is_better(spec.sweep.target_metric) ? ">=" : "<=", spec.sweep.target_value,
                spec.sweep.stop_at_target ? " (runs stop there)" : "");
  }
  std::vector<std::string> header = {"id", "steps"};
  header.insert(header.end(), plan.keys.begin(), plan.keys.end());
  std::vector<std::vector<std::string>> rows;
  for (const SweepRun& r : plan.runs) {
    std::vector<std::string> row = {r.id, r.steps > 0 ? std::to_string(r.steps) : std::to_string(r.epochs) + " epochs"};
    for (const std::string& value : plan_row(plan, r, "-")) row.push_back(value);
    rows.push_back(row);
  }
  print_text_table(header, rows, std::cout);
  return 0;
}

int run_sweep(const JobSpec& spec, const std::vector<std::string>& overrides, const SweepRunOptions& options) {
  const SweepPlan plan = expand_sweep(spec, overrides);  // every run is checked before anything is written
  check_sweep_resources(plan);
  const LaunchContext launch = detect_launch_context();
  const bool root = launch.env_rank <= 0;
  // Several runs create and destroy MPI communicators in this process: MPI must stay initialised
  // between them (it cannot be initialised again once finalised).
  std::shared_ptr<MpiRuntime> mpi;
  if (launch.env_size > 1) mpi = MpiRuntime::acquire();

  // Every rank decides from the status files before any run starts, so all ranks walk the same list.
  std::vector<SweepRunAction> actions;
  for (const SweepRun& r : plan.runs) actions.push_back(sweep_run_action(r.run_dir, options.retry_failed));
  if (root) {
    for (const std::string& dir : write_sweep_layout(plan, spec)) {
      std::fprintf(stderr, "note: %s matches no run of this sweep (its settings changed since it ran); it is kept, "
                           "not used\n", dir.c_str());
    }
    std::size_t done = 0, diverged = 0;
    for (SweepRunAction a : actions) {
      done += a == SweepRunAction::kSkipDone;
      diverged += a == SweepRunAction::kSkipDiverged;
    }
    std::fprintf(stderr, "curvlab: sweep '%s': %zu run(s) -> %s (%zu done, %zu diverged, %zu to run)\n",
                 plan.name.c_str(), plan.runs.size(), plan.sweep_dir.c_str(), done, diverged,
                 plan.runs.size() - done - diverged);
  }

  int status = 0;
  for (std::size_t i = 0; i < plan.runs.size() && status == 0; ++i) {
    const SweepRun& run = plan.runs[i];
    if (actions[i] == SweepRunAction::kSkipDone || actions[i] == SweepRunAction::kSkipDiverged) continue;
    if (root) {
      std::fprintf(stderr, "curvlab: sweep run %zu/%zu %s: %s\n", i + 1, plan.runs.size(), run.id.c_str(),
                   describe_values(run).c_str());
    }
    const JobSpec& run_spec = *run.spec;
    RunOptions run_options;
    run_options.quiet = options.quiet;
    run_options.divergence_ends_run_only = true;
    if (actions[i] == SweepRunAction::kRestart) {
      run_options.mode = RunMode::kForce;
    } else {
      run_options.auto_resume = true;
    }
    try {
      status = run_job(run_spec, run_options);
    } catch (const Error& e) {
      if (!is_divergence(e)) throw;  // the sweep stops; the run's status says why; a rerun resumes it
      if (root) std::fprintf(stderr, "curvlab: sweep run %s diverged (recorded; the sweep goes on): %s\n", run.id.c_str(), e.what());
    }
  }

  if (root) {
    std::cout << "\n";
    print_sweep_states(collect_sweep_states(plan.sweep_dir, nullptr), std::cout);
    std::cout << "sweep: " << plan.sweep_dir << "/sweep.tsv lists the runs; each run's results are in "
              << plan.sweep_dir << "/runs/<id>/ (results.h5, metrics_evals.csv, metrics_steps.csv); `curvlab status "
              << plan.sweep_dir << "` shows this table again\n";
    if (status == kExitStoppedResumable) {
      std::cout << "sweep stopped on a signal: run the same command again to resume it\n";
    } else if (status != 0) {
      std::cout << "sweep stopped: a run failed (exit status " << status << "); run the same command again to retry it\n";
    }
  }
  return status;
}

}  // namespace curvlab
