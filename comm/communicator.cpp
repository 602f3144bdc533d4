// Backend-independent helpers of Communicator built on its virtual collectives.
#include "comm/communicator.h"

#include <unistd.h>

namespace curvlab {

std::string Communicator::host() const {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

std::vector<torch::Tensor> Communicator::allgather(torch::Tensor input) {
  std::vector<torch::Tensor> out;
  allgather_async(std::move(input), &out)->wait();
  return out;
}

double Communicator::allreduce_scalar(double value, ReduceOp op) {
  auto t = torch::full({1}, value, torch::kFloat64);
  allreduce({t}, op);
  return t.item<double>();
}

std::string Communicator::broadcast_string(const std::string& value, int root) {
  auto len = torch::full({1}, static_cast<int64_t>(value.size()), torch::kInt64);
  broadcast({len}, root);
  auto bytes = torch::zeros({len.item<int64_t>()}, torch::kUInt8);
  if (rank() == root && !value.empty()) std::memcpy(bytes.data_ptr(), value.data(), value.size());
  broadcast({bytes}, root);
  return std::string(reinterpret_cast<const char*>(bytes.data_ptr()), bytes.numel());
}

}  // namespace curvlab
