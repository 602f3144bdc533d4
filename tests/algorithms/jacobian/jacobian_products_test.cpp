// Jacobian products (algorithms/jacobian/jacobian_products.cpp) against independent computations,
// float64: jvp and the dense Jacobian against central finite differences (1e-7 relative), vjp as
// the dense Jacobian's transpose (1e-12), a linear map whose Jacobian is its matrix (1e-12).
#include "algorithms/jacobian/jacobian_products.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {
namespace {

// A smooth map [B, 5] -> [B, 7] with distinct per-image Jacobians.
struct SmoothMap {
  torch::Tensor w1 = torch::randn({6, 5}, torch::kFloat64), w2 = torch::randn({7, 6}, torch::kFloat64);
  torch::Tensor operator()(const torch::Tensor& x) const { return torch::tanh(x.matmul(w1.t())).matmul(w2.t()) + x.sum(1, true); }
};

// Central differences of f at x along v, per image: [B, out].
torch::Tensor finite_difference(const ImageMap& f, const torch::Tensor& x, const torch::Tensor& v, double h = 1e-6) {
  return ((f(x + h * v) - f(x - h * v)) / (2 * h)).reshape({x.size(0), -1});
}

TEST(JacobianProducts, JvpVjpAndDenseAgreeWithFiniteDifferences) {
  torch::manual_seed(1);
  const SmoothMap m;
  const ImageMap f = [&](const torch::Tensor& x) { return m(x); };
  const torch::Tensor x = torch::randn({4, 5}, torch::kFloat64);
  JacobianAt jac(f, x);
  EXPECT_EQ(jac.in_dim(), 5);
  EXPECT_EQ(jac.out_dim(), 7);
  const torch::Tensor v = torch::randn({4, 5}, torch::kFloat64);
  const torch::Tensor fd = finite_difference(f, x, v);
  EXPECT_LE((jac.jvp(v) - fd).abs().max().item<double>(), 1e-7 * fd.abs().max().item<double>());
  const torch::Tensor dense = dense_jacobian(f, x, /*rows=*/3);  // 7 rows in passes of 3, 3, 1
  ASSERT_EQ(dense.sizes(), (std::vector<std::int64_t>{4, 7, 5}));
  for (std::int64_t k = 0; k < 5; ++k) {
    const torch::Tensor e = torch::zeros({4, 5}, torch::kFloat64).index_fill_(1, torch::tensor({k}), 1.0);
    const torch::Tensor col = finite_difference(f, x, e);
    EXPECT_LE((dense.select(2, k) - col).abs().max().item<double>(), 1e-7 * (1 + col.abs().max().item<double>()));
  }
  const torch::Tensor u = torch::randn({4, 7}, torch::kFloat64);
  const torch::Tensor want = torch::bmm(dense.transpose(1, 2), u.unsqueeze(2)).squeeze(2);
  EXPECT_LE((jac.vjp(u) - want).abs().max().item<double>(), 1e-12 * (1 + want.abs().max().item<double>()));
  // Repeated products through the kept graphs give the same numbers.
  EXPECT_TRUE(jac.jvp(v).equal(jac.jvp(v)));
}

TEST(JacobianProducts, ALinearMapsJacobianIsItsMatrix) {
  torch::manual_seed(2);
  const torch::Tensor w = torch::randn({9, 6}, torch::kFloat64);
  const ImageMap f = [&](const torch::Tensor& x) { return x.flatten(1).matmul(w.t()); };
  const torch::Tensor x = torch::randn({3, 2, 3}, torch::kFloat64);  // images [2, 3] flatten to 6
  const torch::Tensor dense = dense_jacobian(f, x, 4);
  for (std::int64_t b = 0; b < 3; ++b) EXPECT_LE((dense[b] - w).abs().max().item<double>(), 1e-12);
  EXPECT_THROW(dense_jacobian(f, x, 0), ConfigError);
}

}  // namespace
}  // namespace curvlab
