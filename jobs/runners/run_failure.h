// What every job-kind runner does when its run fails: record it in the run's status file (rank 0)
// and, under several ranks, name the rank and end the whole job (MPI_Abort) so none hangs.
#pragma once

#include <string>

#include "engine/error.h"

namespace curvlab {

class Communicator;

// Writes "failed: <message>" to `status_file` on rank 0 (best effort); with more than one rank,
// prints the error with its rank and calls comm.abort(e.exit_code()). Returns when size == 1:
// the caller rethrows and the top level prints the error and exits with its status.
void report_run_failure(const Error& e, Communicator& comm, const std::string& status_file);

}  // namespace curvlab
