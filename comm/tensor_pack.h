// The ONE place that packs tensors for communication: grouping by dtype, flat concatenation into a
// buffer and back, and splitting a list into fusion buckets of at most a byte cap. Used by the MPI
// and NCCL backends, the K-FAC factor allreduce and the Hessian-product reduction.
// Not for: the gradient reducer's persistent bucket views (comm/reducer.h keeps its own layout).
#pragma once

#include <torch/types.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace curvlab {

// Indices of `tensors` grouped by `key(dtype)`, groups in first-appearance order (the same on every
// rank for the same call), members in list order.
template <typename KeyFn>
std::vector<std::pair<torch::ScalarType, std::vector<std::size_t>>> group_by_dtype(
    const std::vector<torch::Tensor>& tensors, KeyFn key) {
  std::vector<std::pair<torch::ScalarType, std::vector<std::size_t>>> groups;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const torch::ScalarType k = key(tensors[i].scalar_type());
    std::size_t g = 0;
    while (g < groups.size() && groups[g].first != k) ++g;
    if (g == groups.size()) groups.push_back({k, {}});
    groups[g].second.push_back(i);
  }
  return groups;
}

// Total elements of tensors[i] for i in `members` (all when empty members is not given).
std::int64_t total_numel(const std::vector<torch::Tensor>& tensors, const std::vector<std::size_t>& members);

// Copies tensors[i], i in `members`, one after another into the front of `flat` (1-D, enough
// elements; dtype conversion as copy_ does). Returns the elements written.
std::int64_t pack_into(const std::vector<torch::Tensor>& tensors, const std::vector<std::size_t>& members,
                       torch::Tensor& flat);
// The inverse: copies consecutive slices of `flat` back into tensors[i], i in `members`.
void unpack_from(const torch::Tensor& flat, std::vector<torch::Tensor>& tensors, const std::vector<std::size_t>& members);

// A new 1-D tensor holding all `tensors` (same dtype) one after another, and the inverse copy.
torch::Tensor pack(const std::vector<torch::Tensor>& tensors);
void unpack(const torch::Tensor& flat, std::vector<torch::Tensor>& tensors);

// Consecutive ranges [first, last) of `tensors` whose bytes reach `cap_bytes` (a bucket closes at the
// tensor that reaches the cap, and at the end): the fusion buckets of a list.
std::vector<std::pair<std::size_t, std::size_t>> bucket_ranges(const std::vector<torch::Tensor>& tensors,
                                                               double cap_bytes);

}  // namespace curvlab
