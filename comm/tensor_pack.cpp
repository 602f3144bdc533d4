// Packing tensors into flat buffers and fusion buckets (see tensor_pack.h).
#include "comm/tensor_pack.h"

#include <torch/torch.h>

namespace curvlab {

std::int64_t total_numel(const std::vector<torch::Tensor>& tensors, const std::vector<std::size_t>& members) {
  std::int64_t n = 0;
  for (std::size_t i : members) n += tensors[i].numel();
  return n;
}

std::int64_t pack_into(const std::vector<torch::Tensor>& tensors, const std::vector<std::size_t>& members,
                       torch::Tensor& flat) {
  std::int64_t off = 0;
  for (std::size_t i : members) {
    const torch::Tensor& t = tensors[i];
    flat.narrow(0, off, t.numel()).view(t.sizes()).copy_(t);
    off += t.numel();
  }
  return off;
}

void unpack_from(const torch::Tensor& flat, std::vector<torch::Tensor>& tensors, const std::vector<std::size_t>& members) {
  std::int64_t off = 0;
  for (std::size_t i : members) {
    torch::Tensor& t = tensors[i];
    t.copy_(flat.narrow(0, off, t.numel()).view(t.sizes()));
    off += t.numel();
  }
}

torch::Tensor pack(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flat;
  flat.reserve(tensors.size());
  for (const auto& t : tensors) flat.push_back(t.reshape({-1}));
  return torch::cat(flat);
}

void unpack(const torch::Tensor& flat, std::vector<torch::Tensor>& tensors) {
  std::vector<std::size_t> all(tensors.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  unpack_from(flat, tensors, all);
}

std::vector<std::pair<std::size_t, std::size_t>> bucket_ranges(const std::vector<torch::Tensor>& tensors,
                                                               double cap_bytes) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::size_t first = 0;
  double bytes = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    bytes += static_cast<double>(tensors[i].numel() * tensors[i].element_size());
    if (bytes >= cap_bytes || i + 1 == tensors.size()) {
      ranges.emplace_back(first, i + 1);
      first = i + 1;
      bytes = 0;
    }
  }
  return ranges;
}

}  // namespace curvlab
