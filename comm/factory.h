// The ONE place where the communication backend is chosen (from [comm] backend, the launch
// context and the model's device). Only this file and CMake know which backends are built.
// Not for: creating the reducer (comm/reducer.h) or reading the environment (cluster/).
#pragma once

#include "cluster/launch_context.h"
#include "comm/communicator.h"
#include "jobs/job_spec.h"

namespace curvlab {

// spec.backend:
//   "local" -> LocalCommunicator; ConfigError when launched with more than one rank
//   "mpi"   -> MpiCommunicator (CPU tensors)
//   "nccl"  -> NcclCommunicator bootstrapped over MPI; ConfigError when not built or the model is on the CPU
//   "auto"  -> nccl if cuda_model and it is built, else mpi when a launcher started more than one
//              rank, else local
// Checks that MPI sees as many ranks as the launcher started (a mismatch means the MPI library
// and the launcher disagree, e.g. srun without --mpi=pmix) and calls set_process_rank(rank).
CommunicatorPtr make_communicator(const CommSpec& spec, const LaunchContext& launch, bool cuda_model);

// Whether the NCCL backend was compiled into this build.
bool nccl_backend_built();

// The backend "auto" (or any explicit choice) resolves to, without creating it; throws
// ConfigError for invalid combinations. Used by make_communicator and by `curvlab validate`.
std::string resolve_backend(const CommSpec& spec, const LaunchContext& launch, bool cuda_model);

}  // namespace curvlab
