// report_run_failure: status file + rank-named abort shared by the job-kind runners.
#include "jobs/run/run_failure.h"

#include <cstdio>

#include "comm/communicator.h"
#include "base/run_dir.h"

namespace curvlab {

bool is_divergence(const Error& e) { return dynamic_cast<const DivergenceError*>(&e) != nullptr; }

void report_run_failure(const Error& e, Communicator& comm, const std::string& status_file, bool collective) {
  if (comm.rank() == 0) {
    try {
      write_text_atomic(status_file, std::string(is_divergence(e) ? "failed: diverged: " : "failed: ") + e.what() + "\n");
    } catch (const Error&) {
    }
  }
  if (comm.size() > 1 && !collective) {
    std::fprintf(stderr, "error (rank %d of %d): %s\n  at %s\n", comm.rank(), comm.size(), e.what(), e.where().c_str());
    std::fflush(stderr);
    comm.abort(e.exit_code());
  }
}

}  // namespace curvlab
