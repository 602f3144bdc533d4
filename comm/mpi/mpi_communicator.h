// The MPI backend of Communicator: CPU tensors, any rank count, OpenMPI (or any MPI-3 library).
// Not for: CUDA tensors (comm/nccl) or choosing a backend (comm/factory.h).
//
// Every collective runs on this communicator's own communication thread (comm/comm_thread.h),
// in issue order, so *_async returns at once and the MPI call overlaps the caller's work. The
// tensors handed to an *_async call must not be touched until its Work's wait() returns.
// Lists of tensors are packed into one contiguous fusion buffer per dtype (allocated once and
// grown on demand) and moved with ONE MPI call; float16/bfloat16 are reduced in float32.
#pragma once

#include <memory>
#include <string>

#include "comm/communicator.h"

namespace curvlab {

class CommThread;
class MpiRuntime;

class MpiCommunicator : public Communicator {
 public:
  // Duplicates MPI_COMM_WORLD (initialising MPI through MpiRuntime when needed), sets
  // MPI_ERRORS_RETURN on the copy and starts the communication thread.
  MpiCommunicator();
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  int local_size() const override { return local_size_; }
  std::string backend() const override { return "mpi"; }
  std::string host() const override { return host_; }

  void barrier() override;
  WorkPtr allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) override;
  WorkPtr broadcast_async(std::vector<torch::Tensor> tensors, int root) override;
  WorkPtr allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) override;
  WorkPtr reduce_scatter_async(torch::Tensor input, torch::Tensor output, ReduceOp op) override;
  [[noreturn]] void abort(int exit_code) override;  // MPI_Abort(MPI_COMM_WORLD, exit_code)

 private:
  struct State;  // MPI handles and fusion buffers; touched only by the communication thread

  std::shared_ptr<MpiRuntime> runtime_;
  std::unique_ptr<State> state_;
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
  int local_size_ = 1;
  std::string host_;
  std::unique_ptr<CommThread> thread_;  // destroyed first: joins before the MPI handles go
};

}  // namespace curvlab
