// Backend selection and construction for Communicator (see factory.h for the rules).
#include "comm/factory.h"

#include "comm/local/local_communicator.h"
#include "comm/mpi/mpi_communicator.h"
#include "engine/error.h"
#ifdef CURVLAB_HAVE_NCCL
#include "comm/nccl/nccl_communicator.h"
#endif

namespace curvlab {

bool nccl_backend_built() {
#ifdef CURVLAB_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

std::string resolve_backend(const CommSpec& spec, const LaunchContext& launch, bool cuda_model) {
  const std::string& b = spec.backend;
  if (b == "auto") {
    if (cuda_model && nccl_backend_built()) return "nccl";
    if (launch.under_launcher() && launch.env_size > 1) return "mpi";
    return "local";
  }
  if (b == "local") {
    CURVLAB_CHECK(launch.env_size <= 1, ConfigError,
                  "[comm] backend = \"local\" runs one process, but " + launch.launcher + " started " +
                      std::to_string(launch.env_size) + " ranks; use backend = \"auto\" or \"mpi\", or start 1 rank");
    return b;
  }
  if (b == "mpi") return b;
  if (b == "nccl") {
    CURVLAB_CHECK(nccl_backend_built(), ConfigError,
                  "[comm] backend = \"nccl\" but this curvlab was built without NCCL (CMake did not find CUDA + NCCL); "
                  "use backend = \"mpi\" or rebuild with the CUDA toolkit and NCCL installed");
    CURVLAB_CHECK(cuda_model, ConfigError,
                  "[comm] backend = \"nccl\" needs the model on a CUDA device, but it is on the CPU; use backend = "
                  "\"mpi\" (or \"auto\") for CPU training");
    return b;
  }
  CURVLAB_THROW(ConfigError, "[comm] backend = \"" + b + "\" is not one of auto, mpi, nccl, local");
}

CommunicatorPtr make_communicator(const CommSpec& spec, const LaunchContext& launch, bool cuda_model) {
  const std::string backend = resolve_backend(spec, launch, cuda_model);
  CommunicatorPtr comm;
  if (backend == "local") {
    comm = std::make_shared<LocalCommunicator>();
  } else {
    auto mpi = std::make_shared<MpiCommunicator>();
    if (launch.under_launcher()) {
      CURVLAB_CHECK(mpi->size() == launch.env_size, ConfigError,
                    launch.launcher + " started " + std::to_string(launch.env_size) + " ranks but MPI sees " +
                        std::to_string(mpi->size()) + " (this process is MPI rank " + std::to_string(mpi->rank()) +
                        "): the MPI library and the launcher disagree; under Slurm use srun --mpi=pmix, with "
                        "mpirun use the mpirun of the MPI curvlab was built with");
    }
    comm = mpi;
#ifdef CURVLAB_HAVE_NCCL
    if (backend == "nccl") {
      set_process_rank(mpi->rank());
      comm = std::make_shared<NcclCommunicator>(mpi);
    }
#endif
  }
  set_process_rank(comm->rank());
  return comm;
}

}  // namespace curvlab
