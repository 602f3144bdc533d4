// The one check macro for MPI calls (internal to comm/mpi and tests; includes <mpi.h>).
// CURVLAB_MPI_CHECK(MPI_Allreduce(...)) throws CommError with file:line, the world rank and
// MPI_Error_string's text. It only sees errors when the communicator has MPI_ERRORS_RETURN.
#pragma once

// C API only: curvlab links MPI::MPI_C, not the deprecated C++ bindings.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <string>

namespace curvlab {
namespace mpi_detail {
[[noreturn]] void throw_mpi_error(int code, const char* call, const char* file, int line);
}  // namespace mpi_detail
}  // namespace curvlab

#define CURVLAB_MPI_CHECK(call)                                                          \
  do {                                                                                   \
    int curvlab_mpi_rc_ = (call);                                                        \
    if (curvlab_mpi_rc_ != MPI_SUCCESS)                                                  \
      ::curvlab::mpi_detail::throw_mpi_error(curvlab_mpi_rc_, #call, __FILE__, __LINE__); \
  } while (0)
