// Runs a piece of work in a forked child process and says how it ended, so that a crash inside a C
// library cannot take the caller down: the reader runs its whole walk of an HDF5 file that lacks
// curvlab's integrity header (older checkpoints, h5py files) this way before reading it for real,
// because HDF5 1.10 can crash on a damaged file (tests/fuzz/regressions/state_reader/).
// The child runs only `work`, with the default action for crash signals, its stderr on /dev/null
// and a time limit, then _exit()s (no atexit handlers, no MPI calls). Not for: anything whose
// results the caller needs (nothing comes back but the verdict), or parallelism.
#pragma once

#include <functional>
#include <string>

namespace curvlab {

struct ProbeOutcome {
  bool ok = false;      // `work` returned or threw a curvlab::Error (a clean, reportable failure)
  std::string problem;  // otherwise: "killed by signal 11 (Segmentation fault)", "exited with status
                        // 1 (a sanitizer report or an exception other than curvlab's)", "ran past 60 s"
};

// Throws IoError only when no child can be started (fork or waitpid failing).
ProbeOutcome run_isolated(const std::function<void()>& work, int timeout_seconds);

}  // namespace curvlab
