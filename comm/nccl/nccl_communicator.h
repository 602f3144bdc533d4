// The NCCL backend of Communicator: CUDA tensors, one GPU per local rank, its own CUDA stream.
// Compiled only when CMake found CUDA + NCCL (CURVLAB_HAVE_NCCL); no CUDA or NCCL header here.
// Not for: CPU tensors (comm/mpi) or choosing a backend (comm/factory.h).
//
// Setup (collective): rank 0 creates the NCCL unique id and broadcasts it over the bootstrap
// communicator (MPI); every rank selects GPU local_rank % device_count and joins the clique.
// Ordering: each *_async call makes the NCCL stream wait for the work already queued on the
// device's default (legacy) stream, where LibTorch runs kernels, then enqueues the NCCL call
// and records a completion event. wait() polls that event (and NCCL's asynchronous error
// state, so a failed peer raises an error instead of hanging), then runs any unpacking.
// Tensors must stay untouched until wait() returns; the Work keeps them alive until then.
// A call whose tensors are all on the CPU (control-plane scalars, RNG states) is passed to the
// bootstrap (MPI) communicator instead, so allreduce_scalar/broadcast_string work unchanged.
#pragma once

#include <memory>
#include <string>

#include "comm/communicator.h"

namespace curvlab {

class NcclCommunicator : public Communicator {
 public:
  // `bootstrap` (normally an MpiCommunicator) gives rank/size, carries the unique id and shape
  // exchanges, and implements barrier() and abort().
  explicit NcclCommunicator(CommunicatorPtr bootstrap);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return bootstrap_->rank(); }
  int size() const override { return bootstrap_->size(); }
  int local_rank() const override { return bootstrap_->local_rank(); }
  int local_size() const override { return bootstrap_->local_size(); }
  std::string backend() const override { return "nccl"; }
  std::string host() const override { return bootstrap_->host(); }
  int device() const { return device_; }  // the CUDA device index this rank uses

  void barrier() override;
  WorkPtr allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) override;
  WorkPtr broadcast_async(std::vector<torch::Tensor> tensors, int root) override;
  WorkPtr allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) override;
  WorkPtr reduce_scatter_async(torch::Tensor input, torch::Tensor output, ReduceOp op) override;
  [[noreturn]] void abort(int exit_code) override;

  struct Handles;  // NCCL communicator + CUDA stream (RAII); shared with Works in flight

 private:
  CommunicatorPtr bootstrap_;
  int device_ = 0;
  std::shared_ptr<Handles> handles_;
};

}  // namespace curvlab
