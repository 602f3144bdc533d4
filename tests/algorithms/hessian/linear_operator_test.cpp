// Tests of algorithms/hessian/linear_operator.cpp: seeded probe vectors (Rademacher: exactly +-1;
// Gaussian; the same seed gives the same vector, independent of the global RNG; moments within
// 5 standard errors over 10^5 draws) and the restriction of an operator to a diagonal block
// against the dense block product (1e-14).
#include "algorithms/hessian/linear_operator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace curvlab {
namespace {

TEST(LinearOperator, RademacherIsPlusMinusOneAndSeeded) {
  const std::int64_t n = 100000;
  torch::manual_seed(1);
  const torch::Tensor a = rademacher(n, 42);
  torch::manual_seed(2);  // the global generator plays no part
  const torch::Tensor b = rademacher(n, 42);
  EXPECT_EQ(a.scalar_type(), torch::kFloat64);
  EXPECT_EQ(a.numel(), n);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE((a.abs() == 1).all().item<bool>());
  EXPECT_FALSE(torch::equal(a, rademacher(n, 43)));
  const double mean = a.mean().item<double>();
  EXPECT_LT(std::fabs(mean), 5.0 / std::sqrt(static_cast<double>(n))) << "mean " << mean;
}

TEST(LinearOperator, GaussianIsStandardNormalAndSeeded) {
  const std::int64_t n = 100000;
  const torch::Tensor a = gaussian(n, 7);
  EXPECT_EQ(a.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::equal(a, gaussian(n, 7)));
  EXPECT_FALSE(torch::equal(a, gaussian(n, 8)));
  const double se = 1.0 / std::sqrt(static_cast<double>(n));
  EXPECT_LT(std::fabs(a.mean().item<double>()), 5 * se);
  EXPECT_LT(std::fabs(a.var().item<double>() - 1.0), 5 * std::sqrt(2.0) * se);  // SE of a variance: sqrt(2/n)
}

TEST(LinearOperator, RestrictionIsTheDiagonalBlock) {
  torch::manual_seed(3);
  const torch::Tensor m = torch::randn({9, 9}, torch::kFloat64);
  const torch::Tensor A = m + m.t();
  int calls = 0;
  torch::Tensor seen;
  const LinearOperator full{9, [&](const torch::Tensor& v) {
                              ++calls;
                              seen = v.clone();
                              return torch::mv(A, v);
                            }};
  const LinearOperator block = restrict_to_block(full, 3, 4);
  EXPECT_EQ(block.dim, 4);
  const torch::Tensor v = torch::randn({4}, torch::kFloat64);
  const torch::Tensor got = block.apply(v);
  const torch::Tensor want = torch::mv(A.slice(0, 3, 7).slice(1, 3, 7), v);
  const double diff = (got - want).abs().max().item<double>();
  EXPECT_LT(diff, 1e-14) << "max |block(v) - A[3:7, 3:7] v| = " << diff;
  EXPECT_EQ(calls, 1);
  // The full operator saw v padded with zeros.
  EXPECT_TRUE(torch::equal(seen.slice(0, 3, 7), v));
  EXPECT_EQ(seen.slice(0, 0, 3).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(seen.slice(0, 7, 9).abs().sum().item<double>(), 0.0);
  // The result is a copy, not a view into the full product.
  EXPECT_EQ(got.numel(), 4);
  EXPECT_TRUE(got.is_contiguous());
}

}  // namespace
}  // namespace curvlab
