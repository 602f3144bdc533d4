// Tests of comm/nccl/nccl_communicator.cpp (compiled only when CMake found CUDA + NCCL,
// CURVLAB_HAVE_NCCL). On any machine: the NCCL and CUDA error formatters (call name, rank, the
// library's own error string, a hint) and, without a usable GPU, that construction fails with a
// CommError that says to use the mpi backend. With a GPU and a CUDA-enabled LibTorch: one-rank
// collectives on CUDA tensors (dtype groups, non-contiguous tensors, average, reduce-scatter),
// CPU tensors passed to the bootstrap communicator, and the misuse errors. Multi-rank NCCL runs
// need several GPUs and are not part of this suite.
#ifdef CURVLAB_HAVE_NCCL
#include "comm/nccl/nccl_communicator.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <string>

#include "base/error.h"
#include "comm/local/local_communicator.h"
#include "comm/nccl/nccl_check.h"

namespace curvlab {
namespace {

int cuda_devices() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

TEST(NcclCommunicator, NcclErrorsNameTheCallRankAndNcclsText) {
  try {
    nccl_detail::throw_nccl_error(ncclRemoteError, "ncclAllReduce(b.data_ptr(), ...)", "/src/comm/nccl/x.cpp", 9);
    ADD_FAILURE() << "expected CommError";
  } catch (const CommError& e) {
    const std::string what = e.what();
    const std::string want = std::string("ncclAllReduce failed on rank ") + std::to_string(process_rank()) + ": " +
                             ncclGetErrorString(ncclRemoteError);
    EXPECT_EQ(what.rfind(want, 0), 0u) << what;
    EXPECT_NE(what.find("a peer rank may have failed first"), std::string::npos) << what;
    EXPECT_EQ(e.file(), "comm/nccl/x.cpp");
    EXPECT_EQ(e.line(), 9);
    EXPECT_EQ(e.exit_code(), 5);
  }
  try {
    nccl_detail::throw_nccl_error(ncclInvalidArgument, "ncclBroadcast(x)", "x.cpp", 1);
  } catch (const CommError& e) {
    EXPECT_NE(std::string(e.what()).find("NCCL_DEBUG=INFO"), std::string::npos) << e.what();
  }
}

TEST(NcclCommunicator, CudaErrorsNameTheCallAndCudasText) {
  try {
    nccl_detail::throw_cuda_error(cudaErrorNoDevice, "cudaSetDevice(device_)", "x.cpp", 3);
    ADD_FAILURE() << "expected CommError";
  } catch (const CommError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(std::string("cudaSetDevice failed on rank ") + std::to_string(process_rank()) + ": " +
                             cudaGetErrorString(cudaErrorNoDevice), 0),
              0u)
        << what;
    EXPECT_NE(what.find("CUDA_VISIBLE_DEVICES"), std::string::npos) << what;
  }
}

TEST(NcclCommunicator, WithoutAGpuConstructionSaysToUseMpi) {
  if (cuda_devices() > 0) GTEST_SKIP() << "this machine has a CUDA device";
  try {
    NcclCommunicator c(std::make_shared<LocalCommunicator>());
    ADD_FAILURE() << "expected CommError";
  } catch (const CommError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("sees no CUDA device"), std::string::npos) << what;
    EXPECT_NE(what.find("backend = \"mpi\""), std::string::npos) << what;
  }
  EXPECT_THROW(NcclCommunicator(nullptr), CommError);
}

TEST(NcclCommunicator, OneRankCollectivesOnTheGpu) {
  if (cuda_devices() == 0) GTEST_SKIP() << "no CUDA device";
  if (!torch::cuda::is_available()) GTEST_SKIP() << "LibTorch is built without CUDA: no CUDA tensors to move";
  auto bootstrap = std::make_shared<LocalCommunicator>();
  NcclCommunicator c(bootstrap);
  EXPECT_EQ(c.backend(), "nccl");
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.device(), 0);
  const auto dev = torch::Device(torch::kCUDA, c.device());
  // A list of two dtypes, one non-contiguous: one rank's sum is the identity, average too.
  auto a = torch::arange(12, torch::kFloat32).reshape({3, 4}).to(dev).t();  // non-contiguous
  auto b = torch::arange(5, torch::kInt64).to(dev);
  auto d = torch::arange(3, torch::kFloat64).to(dev) * 0.5;
  const auto a0 = a.clone(), b0 = b.clone(), d0 = d.clone();
  c.allreduce({a, b, d}, ReduceOp::kSum);
  EXPECT_TRUE(torch::equal(a, a0));
  EXPECT_TRUE(torch::equal(b, b0));
  EXPECT_TRUE(torch::equal(d, d0));
  c.allreduce({d}, ReduceOp::kAverage);
  EXPECT_TRUE(torch::equal(d, d0));
  c.broadcast({a}, 0);
  EXPECT_TRUE(torch::equal(a, a0));
  const auto gathered = c.allgather(b);
  ASSERT_EQ(gathered.size(), 1u);
  EXPECT_TRUE(torch::equal(gathered[0], b0));
  auto out = torch::zeros({4, 3}, torch::dtype(torch::kFloat32).device(dev)).t();  // non-contiguous output
  c.reduce_scatter(a, out, ReduceOp::kSum);
  EXPECT_TRUE(torch::equal(out.reshape({-1}), a.reshape({-1})));
  // CPU tensors go over the bootstrap communicator (control plane).
  EXPECT_DOUBLE_EQ(c.allreduce_scalar(2.5, ReduceOp::kSum), 2.5);
  EXPECT_EQ(c.broadcast_string("step 3", 0), "step 3");
  // Misuse: average of integers, sum of bools, a CPU tensor in a CUDA list, a bad root.
  EXPECT_THROW(c.allreduce({b}, ReduceOp::kAverage), CommError);
  EXPECT_THROW(c.allreduce({torch::ones({2}, torch::dtype(torch::kBool).device(dev))}, ReduceOp::kSum), CommError);
  EXPECT_THROW(c.allreduce({a, torch::ones({2})}, ReduceOp::kSum), CommError);
  EXPECT_THROW(c.broadcast({a}, 1), CommError);
  c.barrier();
}

}  // namespace
}  // namespace curvlab
#endif  // CURVLAB_HAVE_NCCL
