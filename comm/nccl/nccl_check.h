// Check macros for NCCL and CUDA runtime calls (internal to comm/nccl; includes nccl.h and
// cuda_runtime_api.h). They throw CommError with file:line, the rank and the library's own
// error string (ncclGetErrorString / cudaGetErrorString).
#pragma once

#include <cuda_runtime_api.h>
#include <nccl.h>

namespace curvlab {
namespace nccl_detail {
[[noreturn]] void throw_nccl_error(ncclResult_t code, const char* call, const char* file, int line);
[[noreturn]] void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line);
}  // namespace nccl_detail
}  // namespace curvlab

#define CURVLAB_NCCL_CHECK(call)                                                        \
  do {                                                                                  \
    ncclResult_t curvlab_nccl_rc_ = (call);                                             \
    if (curvlab_nccl_rc_ != ncclSuccess && curvlab_nccl_rc_ != ncclInProgress)          \
      ::curvlab::nccl_detail::throw_nccl_error(curvlab_nccl_rc_, #call, __FILE__, __LINE__); \
  } while (0)

#define CURVLAB_CUDA_CHECK(call)                                                        \
  do {                                                                                  \
    cudaError_t curvlab_cuda_rc_ = (call);                                              \
    if (curvlab_cuda_rc_ != cudaSuccess)                                                \
      ::curvlab::nccl_detail::throw_cuda_error(curvlab_cuda_rc_, #call, __FILE__, __LINE__); \
  } while (0)
