// RAII owner of the MPI library's lifetime in this process: MPI_Init_thread on first use,
// MPI_Finalize when the last owner goes away (only if curvlab initialised MPI itself).
// Not for: communicators (comm/mpi/mpi_communicator.h) or any collective.
//
// Every MpiCommunicator holds a shared_ptr to the runtime, so MPI outlives them all. A program
// that creates and destroys several communicators (tests, sweeps) holds one runtime for its
// whole life, because MPI cannot be initialised again once it was finalised.
//
// Thread level: MPI_THREAD_MULTIPLE is required. Each MpiCommunicator runs its collectives on
// its own communication thread, several communicators may exist at once (the NCCL backend
// bootstraps over one), and abort() calls MPI_Abort from whichever thread failed.
#pragma once

#include <memory>

namespace curvlab {

class MpiRuntime {
 public:
  // The process-wide runtime; initialises MPI on the first call. Throws CommError when MPI was
  // already finalised or does not provide MPI_THREAD_MULTIPLE.
  static std::shared_ptr<MpiRuntime> acquire();

  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;

  bool initialized_here() const { return initialized_here_; }  // false: someone else called MPI_Init
  int world_rank() const { return world_rank_; }
  int world_size() const { return world_size_; }

 private:
  MpiRuntime();
  bool initialized_here_ = false;
  int world_rank_ = 0;
  int world_size_ = 1;
};

}  // namespace curvlab
