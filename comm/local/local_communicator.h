// The single-process communicator (size 1): every collective is the identity. Always built.
#pragma once

#include "comm/communicator.h"

namespace curvlab {

class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  int local_size() const override { return 1; }
  std::string backend() const override { return "local"; }
  void barrier() override {}
  WorkPtr allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) override;
  WorkPtr broadcast_async(std::vector<torch::Tensor> tensors, int root) override;
  WorkPtr allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) override;
  WorkPtr reduce_scatter_async(torch::Tensor input, torch::Tensor output, ReduceOp op) override;
  [[noreturn]] void abort(int exit_code) override;
};

}  // namespace curvlab
