// A symmetric linear operator as the estimators see it (a flat float64 vector in, one out), the
// seeded random probe vectors they share, and the restriction of an operator to one block.
// Not for: computing products (hvp.h) or any estimator (hutchinson.h, eigen.h, slq.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>

namespace curvlab {

struct LinearOperator {
  std::int64_t dim = 0;
  std::function<torch::Tensor(const torch::Tensor&)> apply;  // float64 [dim] -> float64 [dim]
};

// Rademacher (+1/-1) vector float64 [n] from a generator seeded with `seed`: the same on every rank.
torch::Tensor rademacher(std::int64_t n, std::uint64_t seed);
// Standard normal vector float64 [n] from a generator seeded with `seed`.
torch::Tensor gaussian(std::int64_t n, std::uint64_t seed);

// The diagonal block A[offset:offset+numel, offset:offset+numel] of `full` (each product pads the
// vector with zeros, applies `full` and keeps the block's slice).
LinearOperator restrict_to_block(const LinearOperator& full, std::int64_t offset, std::int64_t numel);

}  // namespace curvlab
