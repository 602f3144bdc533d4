// MPI initialisation and finalisation, and the MPI error formatter behind CURVLAB_MPI_CHECK.
#include "comm/mpi/mpi_runtime.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "comm/mpi/mpi_check.h"
#include "base/error.h"

namespace curvlab {
namespace mpi_detail {

void throw_mpi_error(int code, const char* call, const char* file, int line) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) std::snprintf(text, sizeof(text), "MPI error code %d", code);
  int rank = -1, initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // Call text is the macro argument; keep only the function name to keep messages short.
  std::string name(call);
  name = name.substr(0, name.find('('));
  throw CommError(name + " failed on rank " + std::to_string(rank) + ": " + text +
                      " (if another rank failed first, its message names the cause; otherwise check the "
                      "launcher and the network, e.g. mpirun --mca btl self,vader,tcp)",
                  file, line);
}

}  // namespace mpi_detail

namespace {
std::mutex g_mutex;
std::weak_ptr<MpiRuntime> g_runtime;
}  // namespace

std::shared_ptr<MpiRuntime> MpiRuntime::acquire() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (auto existing = g_runtime.lock()) return existing;
  std::shared_ptr<MpiRuntime> runtime(new MpiRuntime());
  g_runtime = runtime;
  return runtime;
}

MpiRuntime::MpiRuntime() {
  int finalized = 0, initialized = 0;
  MPI_Finalized(&finalized);
  CURVLAB_CHECK(!finalized, CommError,
                "MPI was already finalised in this process and cannot be started again; keep one "
                "MpiRuntime (MpiRuntime::acquire()) alive for as long as MPI communicators are created");
  MPI_Initialized(&initialized);
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    // MPI_Init_thread's errors are fatal by default (no communicator exists yet to set a handler on).
    CURVLAB_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided));
    initialized_here_ = true;
  } else {
    CURVLAB_MPI_CHECK(MPI_Query_thread(&provided));
  }
  if (provided < MPI_THREAD_MULTIPLE) {
    if (initialized_here_) MPI_Finalize();
    CURVLAB_THROW(CommError, "the MPI library provides thread level " + std::to_string(provided) +
                                 " but curvlab needs MPI_THREAD_MULTIPLE (" + std::to_string(MPI_THREAD_MULTIPLE) +
                                 "); use an MPI built with thread support (Open MPI: --enable-mpi-thread-multiple)"
                                 " or, if MPI was initialised outside curvlab, request MPI_THREAD_MULTIPLE there");
  }
  CURVLAB_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank_));
  CURVLAB_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world_size_));
}

MpiRuntime::~MpiRuntime() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (initialized_here_ && !finalized) MPI_Finalize();
}

}  // namespace curvlab
