// A Communicator of W ranks that all hold this rank's data, for single-process tests of code that
// branches on the world size: an allreduce sum multiplies by W (every rank contributes the same
// value), max/min/average leave values as they are, broadcast and barrier do nothing (the data is
// already equal), allgather repeats the input W times. It counts its collectives.
#pragma once

#include <cstdlib>

#include "comm/communicator.h"

namespace curvlab::test_util {

class MirroredRanks : public Communicator {
 public:
  explicit MirroredRanks(int size) : size_(size) {}
  int rank() const override { return 0; }
  int size() const override { return size_; }
  int local_rank() const override { return 0; }
  int local_size() const override { return size_; }
  std::string backend() const override { return "mirrored"; }
  void barrier() override {}
  WorkPtr allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) override {
    ++allreduces;
    for (auto& t : tensors) {
      if (op == ReduceOp::kSum) t.mul_(size_);
    }
    return std::make_shared<CompletedWork>();
  }
  WorkPtr broadcast_async(std::vector<torch::Tensor> tensors, int) override {
    ++broadcasts;
    broadcast_tensors += static_cast<int>(tensors.size());
    return std::make_shared<CompletedWork>();
  }
  WorkPtr allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) override {
    outputs->assign(static_cast<std::size_t>(size_), input.clone());
    return std::make_shared<CompletedWork>();
  }
  WorkPtr reduce_scatter_async(torch::Tensor, torch::Tensor, ReduceOp) override {
    return std::make_shared<CompletedWork>();
  }
  [[noreturn]] void abort(int exit_code) override { std::exit(exit_code); }
  int allreduces = 0, broadcasts = 0, broadcast_tensors = 0;

 private:
  int size_;
};

}  // namespace curvlab::test_util
