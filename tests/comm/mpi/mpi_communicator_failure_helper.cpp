// Helper program for tests/comm/mpi/mpi_communicator_test.py (MpiCommunicator::abort, and a rank
// that dies): every rank allreduces in a loop, and the last rank fails at iteration 3 in the way
// argv[1] names:
//   throw     throws CommError; main catches it, prints it with the rank, calls abort() (MPI_Abort)
//   uncaught  throws and lets it escape main (std::terminate -> SIGABRT)
//   kill      raises SIGKILL on itself
// The other ranks are then blocked in a collective; the test checks that mpirun ends them all.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "comm/mpi/mpi_communicator.h"
#include "comm/mpi/mpi_runtime.h"
#include "base/error.h"

namespace {

void run(curvlab::Communicator& comm, const std::string& mode) {
  for (int it = 0; it < 1000; ++it) {
    if (it == 3 && comm.rank() == comm.size() - 1) {
      if (mode == "kill") std::raise(SIGKILL);
      CURVLAB_THROW(curvlab::CommError, "injected failure at iteration 3");
    }
    auto t = torch::ones({1000});
    comm.allreduce({t}, curvlab::ReduceOp::kSum);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "throw" && mode != "uncaught" && mode != "kill") {
    std::fprintf(stderr, "usage: comm_failure_helper throw|uncaught|kill\n");
    return 2;
  }
  auto runtime = curvlab::MpiRuntime::acquire();
  auto comm = std::make_shared<curvlab::MpiCommunicator>();
  curvlab::set_process_rank(comm->rank());
  if (mode == "uncaught") {
    run(*comm, mode);
  } else {
    try {
      run(*comm, mode);
    } catch (const curvlab::Error& e) {
      std::fprintf(stderr, "curvlab: rank %d failed: %s (%s)\n", comm->rank(), e.what(), e.where().c_str());
      std::fflush(stderr);
      comm->abort(e.exit_code());
    }
  }
  comm.reset();
  return 0;
}
