// Seeded probe vectors and block restriction of a linear operator.
#include "algorithms/hessian/linear_operator.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace curvlab {

torch::Tensor rademacher(std::int64_t n, std::uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randint(0, 2, {n}, gen, torch::kFloat64).mul_(2.0).sub_(1.0);
}

torch::Tensor gaussian(std::int64_t n, std::uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn({n}, gen, torch::kFloat64);
}

LinearOperator restrict_to_block(const LinearOperator& full, std::int64_t offset, std::int64_t numel) {
  LinearOperator op;
  op.dim = numel;
  const std::int64_t n = full.dim;
  auto f = full.apply;
  op.apply = [f, n, offset, numel](const torch::Tensor& v) {
    torch::Tensor padded = torch::zeros({n}, torch::kFloat64);
    padded.slice(0, offset, offset + numel).copy_(v);
    return f(padded).slice(0, offset, offset + numel).clone();
  };
  return op;
}

}  // namespace curvlab
