// The one interface through which curvlab moves tensors between ranks (no MPI or NCCL header here).
// Backends (comm/local, comm/mpi, comm/nccl) implement it; comm/factory.h picks one, in one place.
//
// Protocol: every collective must be called by every rank of the communicator, in the same
// order, with tensors of the same dtype and (except allgatherv) the same shape. Asynchronous
// variants return a Work handle; the operation is finished (and its tensors may be read or
// reused) only after wait(). Operations issued from one thread complete in issue order.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace curvlab {

enum class ReduceOp { kSum, kAverage, kMax, kMin };

// A handle on an operation in flight.
class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;          // blocks until done; rethrows the operation's error
  virtual bool is_completed() = 0;  // non-blocking test
};
using WorkPtr = std::shared_ptr<Work>;

// A Work that is already done (used by the local backend and for empty operations).
class CompletedWork : public Work {
 public:
  void wait() override {}
  bool is_completed() override { return true; }
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_rank() const = 0;   // rank among the processes on this node
  virtual int local_size() const = 0;
  virtual std::string backend() const = 0;  // "local" | "mpi" | "nccl"
  virtual std::string host() const;         // this rank's node name

  virtual void barrier() = 0;

  // In-place allreduce of each tensor (they may differ in shape and dtype).
  virtual WorkPtr allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) = 0;
  // In-place broadcast of each tensor from `root`.
  virtual WorkPtr broadcast_async(std::vector<torch::Tensor> tensors, int root) = 0;
  // Gathers `input` from every rank into outputs[r] (resized here; shapes may differ by rank:
  // the first dimension may differ, the others must agree).
  virtual WorkPtr allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) = 0;
  // Reduces `input` (numel divisible by size()) and leaves block rank() of the result in `output`
  // (numel = input.numel() / size()).
  virtual WorkPtr reduce_scatter_async(torch::Tensor input, torch::Tensor output, ReduceOp op) = 0;

  // Blocking forms.
  void allreduce(std::vector<torch::Tensor> tensors, ReduceOp op) { allreduce_async(std::move(tensors), op)->wait(); }
  void broadcast(std::vector<torch::Tensor> tensors, int root) { broadcast_async(std::move(tensors), root)->wait(); }
  std::vector<torch::Tensor> allgather(torch::Tensor input);
  void reduce_scatter(torch::Tensor input, torch::Tensor output, ReduceOp op) {
    reduce_scatter_async(std::move(input), std::move(output), op)->wait();
  }

  // Control plane: agreement on small values (e.g. "stop at this step" flags).
  double allreduce_scalar(double value, ReduceOp op);
  std::string broadcast_string(const std::string& value, int root);

  // Ends every rank of the job at once (MPI_Abort); used when one rank fails.
  [[noreturn]] virtual void abort(int exit_code) = 0;
};

using CommunicatorPtr = std::shared_ptr<Communicator>;

}  // namespace curvlab
