// The ONE place where the communication backend is chosen (from [comm] backend, what the launcher
// says and the model's device). Only this file and CMake know which backends are built.
// Not for: creating the reducer (comm/reducer.h) or reading the environment (cluster/launch_context.h
// does; the job kinds pass its answer in as a LaunchInfo).
#pragma once

#include <string>

#include "comm/comm_options.h"
#include "comm/communicator.h"

namespace curvlab {

// What the process launcher says (cluster/launch_context.h reads it from the environment).
struct LaunchInfo {
  std::string launcher = "none";  // "mpirun" | "srun" | "none"
  int size = 1;                   // ranks the launcher started
  bool under_launcher() const { return launcher != "none"; }
};

// options.backend:
//   kLocal -> LocalCommunicator; ConfigError when launched with more than one rank
//   kMpi   -> MpiCommunicator (CPU tensors)
//   kNccl  -> NcclCommunicator bootstrapped over MPI; ConfigError when not built or the model is on the CPU
//   kAuto  -> nccl if cuda_model and it is built, else mpi when a launcher started more than one
//             rank, else local
// Checks that MPI sees as many ranks as the launcher started (a mismatch means the MPI library
// and the launcher disagree, e.g. srun without --mpi=pmix) and calls set_process_rank(rank).
CommunicatorPtr make_communicator(const CommOptions& options, const LaunchInfo& launch, bool cuda_model);

// Whether the NCCL backend was compiled into this build.
bool nccl_backend_built();

// The backend kAuto (or any explicit choice) resolves to, without creating it; throws ConfigError
// for invalid combinations. Used by make_communicator and by `curvlab validate`.
Backend resolve_backend(const CommOptions& options, const LaunchInfo& launch, bool cuda_model);

}  // namespace curvlab
