// Backend selection and construction for Communicator (see factory.h for the rules).
#include "comm/factory.h"

#include "comm/local/local_communicator.h"
#include "comm/mpi/mpi_communicator.h"
#include "base/error.h"
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

const EnumNames<Backend>& backend_names() {
  static const EnumNames<Backend> names = {
      {Backend::kAuto, "auto"}, {Backend::kMpi, "mpi"}, {Backend::kNccl, "nccl"}, {Backend::kLocal, "local"}};
  return names;
}

Backend resolve_backend(const CommOptions& options, const LaunchInfo& launch, bool cuda_model) {
  switch (options.backend) {
    case Backend::kAuto:
      if (cuda_model && nccl_backend_built()) return Backend::kNccl;
      if (launch.under_launcher() && launch.size > 1) return Backend::kMpi;
      return Backend::kLocal;
    case Backend::kLocal:
      CURVLAB_CHECK(launch.size <= 1, ConfigError,
                    "[comm] backend = \"local\" runs one process, but " + launch.launcher + " started " +
                        std::to_string(launch.size) + " ranks; use backend = \"auto\" or \"mpi\", or start 1 rank");
      return Backend::kLocal;
    case Backend::kMpi:
      return Backend::kMpi;
    case Backend::kNccl:
      CURVLAB_CHECK(nccl_backend_built(), ConfigError,
                    "[comm] backend = \"nccl\" but this curvlab was built without NCCL (CMake did not find CUDA + "
                    "NCCL); use backend = \"mpi\" or rebuild with the CUDA toolkit and NCCL installed");
      CURVLAB_CHECK(cuda_model, ConfigError,
                    "[comm] backend = \"nccl\" needs the model on a CUDA device, but it is on the CPU; use backend = "
                    "\"mpi\" (or \"auto\") for CPU training");
      return Backend::kNccl;
  }
  CURVLAB_THROW(ConfigError, "unknown [comm] backend");
}

CommunicatorPtr make_communicator(const CommOptions& options, const LaunchInfo& launch, bool cuda_model) {
  const Backend backend = resolve_backend(options, launch, cuda_model);
  CommunicatorPtr comm;
  if (backend == Backend::kLocal) {
    comm = std::make_shared<LocalCommunicator>();
  } else {
    auto mpi = std::make_shared<MpiCommunicator>();
    if (launch.under_launcher()) {
      CURVLAB_CHECK(mpi->size() == launch.size, ConfigError,
                    launch.launcher + " started " + std::to_string(launch.size) + " ranks but MPI sees " +
                        std::to_string(mpi->size()) + " (this process is MPI rank " + std::to_string(mpi->rank()) +
                        "): the MPI library and the launcher disagree; under Slurm use srun --mpi=pmix, with "
                        "mpirun use the mpirun of the MPI curvlab was built with");
    }
    comm = mpi;
#ifdef CURVLAB_HAVE_NCCL
    if (backend == Backend::kNccl) {
      set_process_rank(mpi->rank());
      comm = std::make_shared<NcclCommunicator>(mpi);
    }
#endif
  }
  set_process_rank(comm->rank());
  return comm;
}

}  // namespace curvlab
