// Single-process collectives: copies where the semantics need a separate output, else nothing.
#include "comm/local/local_communicator.h"

#include <cstdlib>

#include "base/error.h"

namespace curvlab {

WorkPtr LocalCommunicator::allreduce_async(std::vector<torch::Tensor>, ReduceOp) {
  return std::make_shared<CompletedWork>();
}

WorkPtr LocalCommunicator::broadcast_async(std::vector<torch::Tensor>, int root) {
  CURVLAB_CHECK(root == 0, CommError, "broadcast root " + std::to_string(root) + " out of range for 1 rank");
  return std::make_shared<CompletedWork>();
}

WorkPtr LocalCommunicator::allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) {
  outputs->assign(1, input.clone());
  return std::make_shared<CompletedWork>();
}

WorkPtr LocalCommunicator::reduce_scatter_async(torch::Tensor input, torch::Tensor output, ReduceOp) {
  CURVLAB_CHECK(input.numel() == output.numel(), CommError,
                "reduce_scatter on 1 rank needs output.numel() == input.numel()");
  output.view(-1).copy_(input.reshape(-1));
  return std::make_shared<CompletedWork>();
}

void LocalCommunicator::abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace curvlab
