// Preemption signals (SIGUSR1 from Slurm's --signal warning, SIGTERM from scancel/preemption)
// turned into a "stop at the next step boundary" flag that the trainer polls.
// Not for: what happens after the stop (cluster/requeue.h) or agreeing across ranks (the trainer's
// allreduce over TrainerHooks::stop_requested does that).
#pragma once

namespace curvlab {

// Exit status of `curvlab run` when it stopped early on a signal after writing a consistent
// checkpoint: "stopped, resumable" (sysexits' EX_TEMPFAIL). Rerun with --resume/--auto-resume.
constexpr int kExitStoppedResumable = 75;

// Installs async-signal-safe handlers for SIGUSR1 and SIGTERM that only record the signal.
// Idempotent. The previous handlers are kept and put back by restore_stop_signal_handlers().
void install_stop_signal_handlers();
void restore_stop_signal_handlers();

// The first stop signal received since install (or since clear_stop_signal()), or 0.
int stop_signal_received();
void clear_stop_signal();

// "SIGUSR1", "SIGTERM", or "signal N".
const char* stop_signal_name(int signo);

// The handlers for the lifetime of one run: cleared and installed on construction, the previous
// ones put back on destruction (for in-process callers such as tests). Used by the job kinds that
// train (train, reconstruct).
struct StopSignalScope {
  StopSignalScope() {
    clear_stop_signal();
    install_stop_signal_handlers();
  }
  ~StopSignalScope() { restore_stop_signal_handlers(); }
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;
};

}  // namespace curvlab
