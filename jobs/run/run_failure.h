// What every job-kind runner does when its run fails: record it in the run's status file (rank 0)
// and, under several ranks, name the rank and end the whole job (MPI_Abort) so none hangs.
#pragma once

#include <string>

#include "base/error.h"

namespace curvlab {

class Communicator;

// Writes "failed: <message>" to `status_file` on rank 0 (best effort; "failed: diverged: <message>"
// for a divergence, see is_divergence); with more than one rank, prints the error with its rank and
// calls comm.abort(e.exit_code()), unless `collective` says every rank raised this same error at
// the same point (then nothing hangs and the caller may go on, as a sweep does after a diverged
// run). Returns otherwise: the caller rethrows and the top level prints the error.
void report_run_failure(const Error& e, Communicator& comm, const std::string& status_file, bool collective = false);

// True for a DivergenceError (base/error.h: the trainer's non-finite training loss, or a non-finite
// parameter before a checkpoint). Both are checked on values every rank holds equal (the loss is
// allreduced first; parameters are replicated), so every rank raises them at the same step: a
// sweep records such a run as diverged and goes on without MPI_Abort.
bool is_divergence(const Error& e);

}  // namespace curvlab
