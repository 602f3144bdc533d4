// Singular values of per-image Jacobians (algorithms/jacobian/singular_values.cpp), float64: Lanczos
// top and bottom values against the dense SVD of a small convolutional residual unit and of
// rectangular maps (1e-6 and 1e-8 relative), a scaled identity (repeated values through restarts),
// an image's values independent of its batch, the top right singular vectors, and the dense route
// (zero rows and columns dropped, Gram eigenvalues) against LAPACK's SVD of the whole matrix.
#include "algorithms/jacobian/singular_values.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace curvlab {
namespace {

// x + conv2(relu(conv1(x))), 2 channels of 6 x 6: a residual unit of dimension 72.
struct ResidualUnit {
  torch::nn::Conv2d c1{torch::nn::Conv2dOptions(2, 2, 3).padding(1)}, c2{torch::nn::Conv2dOptions(2, 2, 3).padding(1)};
  ResidualUnit() {
    c1->to(torch::kFloat64);
    c2->to(torch::kFloat64);
  }
  torch::Tensor operator()(const torch::Tensor& x) { return x + c2->forward(torch::relu(c1->forward(x))); }
};

void expect_close(const torch::Tensor& got, const torch::Tensor& want, double rel, const std::string& what) {
  const double err = ((got - want).abs() / want.abs().clamp_min(1e-3)).max().item<double>();
  EXPECT_LE(err, rel) << what << "\n got " << got << "\n want " << want;
}

TEST(JacobianSingularValues, LanczosTopAndBottomMatchTheDenseSvdOfAResidualUnit) {
  torch::manual_seed(3);
  ResidualUnit unit;
  const ImageMap f = [&](const torch::Tensor& x) { return unit(x); };
  const torch::Tensor x = torch::randn({3, 2, 6, 6}, torch::kFloat64);
  const torch::Tensor all = dense_singular_values(dense_jacobian(f, x));  // [3, 72] descending
  JacobianAt jac(f, x);
  SingularValueOptions o;
  o.top_k = 3;
  o.bottom_k = 3;
  o.tol = 1e-10;
  o.max_iter = 72;
  const LanczosSingularValues r = lanczos_singular_values(jac, torch::arange(3), o);
  expect_close(r.top, all.slice(1, 0, 3), 1e-6, "top");
  expect_close(r.bottom, all.slice(1, 69, 72).flip(1), 1e-6, "bottom");
  EXPECT_TRUE(r.converged.all().item<bool>());
  EXPECT_LE(r.top_residual.max().item<double>(), 1e-6 * all.max().item<double>());
  EXPECT_TRUE(r.steps.le(72).all().item<bool>());
}

TEST(JacobianSingularValues, RectangularMapsUseTheSmallerGram) {
  torch::manual_seed(4);
  for (const auto& [out, in] : std::vector<std::pair<std::int64_t, std::int64_t>>{{4, 10}, {10, 4}}) {
    const torch::Tensor w = torch::randn({out, in}, torch::kFloat64);
    const ImageMap f = [&](const torch::Tensor& x) { return torch::tanh(x.matmul(w.t())); };
    const torch::Tensor x = torch::randn({2, in}, torch::kFloat64);
    const torch::Tensor all = dense_singular_values(dense_jacobian(f, x));  // [2, 4]
    ASSERT_EQ(all.size(1), 4);
    JacobianAt jac(f, x);
    SingularValueOptions o;
    o.top_k = 2;
    o.bottom_k = 2;
    o.tol = 1e-10;
    const LanczosSingularValues r = lanczos_singular_values(jac, torch::arange(2), o);
    expect_close(r.top, all.slice(1, 0, 2), 1e-8, "top " + std::to_string(out) + "x" + std::to_string(in));
    expect_close(r.bottom, all.slice(1, 2, 4).flip(1), 1e-8, "bottom " + std::to_string(out) + "x" + std::to_string(in));
    EXPECT_TRUE(r.converged.all().item<bool>());
    o.top_k = 3;
    EXPECT_THROW(lanczos_singular_values(jac, torch::arange(2), o), ConfigError);  // 3 + 2 > 4
  }
}

// The top right singular vectors (options.vectors) against the dense SVD's, up to sign (|cos| within
// 1e-8 of 1), from both Gram sides: J^T J (in <= out) and J J^T (in > out, v = J^T u / sigma).
TEST(JacobianSingularValues, TopRightSingularVectorsMatchTheDenseSvd) {
  torch::manual_seed(6);
  for (const auto& [out, in] : std::vector<std::pair<std::int64_t, std::int64_t>>{{5, 9}, {9, 5}}) {
    const torch::Tensor w = torch::randn({out, in}, torch::kFloat64);
    const ImageMap f = [&](const torch::Tensor& x) { return torch::tanh(x.matmul(w.t())); };
    const torch::Tensor x = torch::randn({2, in}, torch::kFloat64);
    const torch::Tensor dense = dense_jacobian(f, x);  // [2, out, in]
    const auto [u, s, vh] = torch::linalg::svd(dense, false, c10::nullopt);
    JacobianAt jac(f, x);
    SingularValueOptions o;
    o.top_k = 2;
    o.bottom_k = 1;
    o.tol = 1e-12;
    o.vectors = true;
    const LanczosSingularValues r = lanczos_singular_values(jac, torch::arange(2), o);
    ASSERT_EQ(r.top_vectors.sizes(), (std::vector<std::int64_t>{2, 2, in}));
    const torch::Tensor cos = (r.top_vectors * vh.slice(1, 0, 2)).sum(2).abs();  // [2, 2]
    EXPECT_LE((cos - 1).abs().max().item<double>(), 1e-8) << out << "x" << in << ": " << cos;
  }
}

// The dense route drops zero rows and columns and takes the smaller Gram matrix's eigenvalues: equal
// to LAPACK's SVD of the whole matrix (1e-12 relative to sigma_1), zeros included, on matrices with
// zero rows (dead ReLU outputs) and zero columns, wide and tall.
TEST(JacobianSingularValues, DenseRouteEqualsTheSvdOfTheWholeMatrix) {
  torch::manual_seed(8);
  for (const auto& [out, in] : std::vector<std::pair<std::int64_t, std::int64_t>>{{30, 20}, {20, 30}, {25, 25}}) {
    torch::Tensor j = torch::randn({3, out, in}, torch::kFloat64);
    j.index_fill_(1, torch::tensor({0, 3, 4, 11}), 0.0);  // zero rows
    j.index_fill_(2, torch::tensor({2, 7}), 0.0);         // zero columns
    j[2].zero_();                                         // an image whose map is zero
    const torch::Tensor want = torch::linalg_svdvals(j);
    const torch::Tensor got = dense_singular_values(j);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-12 * want.max().item<double>()) << out << "x" << in;
  }
}

TEST(JacobianSingularValues, AScaledIdentityGivesTheScaleRepeated) {
  // J = 0.7 I: the Krylov space of any start vector is one-dimensional; restarts find the value again.
  const ImageMap f = [](const torch::Tensor& x) { return 0.7 * x; };
  const torch::Tensor x = torch::randn({2, 12}, torch::kFloat64);
  JacobianAt jac(f, x);
  SingularValueOptions o;
  o.top_k = 3;
  o.bottom_k = 2;
  const LanczosSingularValues r = lanczos_singular_values(jac, torch::arange(2), o);
  EXPECT_LE((r.top - 0.7).abs().max().item<double>(), 1e-12);
  EXPECT_LE((r.bottom - 0.7).abs().max().item<double>(), 1e-12);
  EXPECT_TRUE(r.converged.all().item<bool>());
}

TEST(JacobianSingularValues, AnImagesValuesDoNotDependOnItsBatch) {
  torch::manual_seed(5);
  ResidualUnit unit;
  const ImageMap f = [&](const torch::Tensor& x) { return unit(x); };
  const torch::Tensor x = torch::randn({4, 2, 6, 6}, torch::kFloat64);
  SingularValueOptions o;
  o.top_k = 2;
  o.bottom_k = 2;
  o.max_iter = 30;
  JacobianAt whole(f, x);
  const LanczosSingularValues all = lanczos_singular_values(whole, torch::tensor({10, 11, 12, 13}), o);
  JacobianAt part(f, x.slice(0, 2, 3));
  const LanczosSingularValues one = lanczos_singular_values(part, torch::tensor({12}), o);
  EXPECT_EQ(one.steps[0].item<std::int64_t>(), all.steps[2].item<std::int64_t>());
  EXPECT_LE((one.top[0] - all.top[2]).abs().max().item<double>(), 1e-10);
  EXPECT_LE((one.bottom[0] - all.bottom[2]).abs().max().item<double>(), 1e-10);
}

}  // namespace
}  // namespace curvlab
