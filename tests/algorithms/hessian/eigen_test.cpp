// Tests of algorithms/hessian/eigen.cpp: top eigenvalues by power iteration (largest magnitude)
// and Lanczos (algebraically largest), whole model and per layer, on the tiny float64 MLP against
// torch::linalg::eigh of its exact Hessian (1e-4 relative: the estimators' own stopping rules);
// the Lanczos tridiagonalisation against its definition (an orthonormal basis V with V H V^T = T,
// 1e-10) and an exhausted Krylov space; tridiag_eigh against a dense eigh; and the errors.
#include "algorithms/hessian/eigen.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/tiny_problem.h"
#include "base/error.h"

namespace curvlab {
namespace {
using testing_hessian::as_operator;
using testing_hessian::dense_operator;
using testing_hessian::make_tiny_problem;
using testing_hessian::TinyProblem;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

// The symmetric tridiagonal matrix with diagonal alpha and off-diagonal beta, written out.
torch::Tensor tridiagonal(const std::vector<double>& alpha, const std::vector<double>& beta) {
  const auto m = static_cast<std::int64_t>(alpha.size());
  torch::Tensor T = torch::diag(torch::tensor(alpha, torch::kFloat64));
  if (m > 1) {
    const torch::Tensor b = torch::tensor(beta, torch::kFloat64);
    T += torch::diag(b, 1) + torch::diag(b, -1);
  }
  return T;
}

TEST(Eigen, LanczosTopEigenvaluesMatchEigh) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  const torch::Tensor exact = std::get<0>(torch::linalg::eigh(p.dense, "L"));  // ascending
  const std::int64_t P = exact.size(0);
  EigenOptions o;
  o.k = 3;
  o.tol = 1e-10;
  o.max_iter = P;
  EigenResult r = lanczos_top(as_operator(hvp), o);
  ASSERT_EQ(r.values.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const double e = exact[P - 1 - i].item<double>();
    EXPECT_NEAR(r.values[i], e, 1e-4 * std::max(1.0, std::fabs(e))) << "eigenvalue " << i;
    EXPECT_LT(r.residuals[i], 1e-5 * std::max(1.0, std::fabs(e)));
  }
  EXPECT_TRUE(r.converged);
}

TEST(Eigen, PowerIterationWithDeflationMatchesLargestMagnitudeEigenvalues) {
  TinyProblem p = make_tiny_problem();
  const torch::Tensor exact = std::get<0>(torch::linalg::eigh(p.dense, "L"));
  const torch::Tensor by_mag = std::get<0>(exact.abs().sort(0, /*descending=*/true));
  const torch::Tensor idx = std::get<1>(exact.abs().sort(0, true));
  EigenOptions o;
  o.k = 2;
  o.tol = 1e-12;
  o.max_iter = 20000;
  EigenResult r = power_iteration(dense_operator(p.dense), o);
  for (int i = 0; i < 2; ++i) {
    const double e = exact[idx[i].item<std::int64_t>()].item<double>();
    EXPECT_NEAR(r.values[i], e, 1e-4 * std::max(1.0, std::fabs(e))) << "eigenvalue " << i;
  }
  // The same through the HVP operator (fewer iterations: the top one only).
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  o.k = 1;
  EigenResult h = power_iteration(as_operator(hvp), o);
  const double e0 = exact[idx[0].item<std::int64_t>()].item<double>();
  EXPECT_NEAR(h.values[0], e0, 1e-4 * std::max(1.0, std::fabs(e0)));
  EXPECT_EQ(h.hvps, hvp.hvp_count());
  (void)by_mag;
}

TEST(Eigen, PerLayerTopEigenvaluesMatchTheDenseDiagonalBlocks) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  for (const auto& g : hvp.groups()) {
    const torch::Tensor block = p.dense.slice(0, g.offset, g.offset + g.numel).slice(1, g.offset, g.offset + g.numel);
    const double exact = std::get<0>(torch::linalg::eigh(block, "L"))[g.numel - 1].item<double>();
    EigenOptions o;
    o.k = 1;
    o.tol = 1e-10;
    o.max_iter = g.numel;
    EigenResult r = lanczos_top(restrict_to_block(as_operator(hvp), g.offset, g.numel), o);
    EXPECT_NEAR(r.values[0], exact, 1e-4 * std::max(1.0, std::fabs(exact))) << g.name;
  }
}

TEST(Eigen, LanczosTridiagIsAnOrthonormalKrylovBasisOfTheOperator) {
  TinyProblem p = make_tiny_problem();
  torch::manual_seed(8);
  const torch::Tensor v0 = torch::randn({p.dense.size(0)}, torch::kFloat64);
  const Tridiagonal t = lanczos_tridiag(dense_operator(p.dense), v0, 20, /*keep_basis=*/true);
  ASSERT_EQ(t.alpha.size(), 20u);
  ASSERT_EQ(t.beta.size(), 19u);
  EXPECT_EQ(t.hvps, 20);
  const torch::Tensor V = t.basis;  // [20, P]
  ASSERT_EQ(V.size(0), 20);
  const double ortho = max_diff(V.mm(V.t()), torch::eye(20, torch::kFloat64));
  EXPECT_LT(ortho, 1e-10) << "max |V V^T - I| = " << ortho;
  EXPECT_LT(max_diff(V[0], v0 / v0.norm()), 1e-15);  // starts at the normalised v0
  const torch::Tensor T = tridiagonal(t.alpha, t.beta);
  const double scale = T.abs().max().item<double>();
  const double proj = max_diff(V.mm(p.dense).mm(V.t()), T);
  EXPECT_LT(proj, 1e-10 * scale) << "max |V H V^T - T| = " << proj << " (scale " << scale << ")";
  for (double b : t.beta) EXPECT_GT(b, 0.0);
  // Without keep_basis: the same numbers, no basis.
  const Tridiagonal lean = lanczos_tridiag(dense_operator(p.dense), v0, 20, false);
  EXPECT_FALSE(lean.basis.defined());
  EXPECT_EQ(lean.alpha, t.alpha);
}

TEST(Eigen, LanczosStopsWhenTheKrylovSpaceIsExhausted) {
  // diag(3, 2, 1, 0, 0, 0, 0, 0) from the all-ones vector: 4 distinct eigenvalues -> 4 steps, and
  // the Ritz values are exactly {0, 1, 2, 3}.
  const torch::Tensor D = torch::diag(torch::tensor({3.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0}, torch::kFloat64));
  const Tridiagonal t = lanczos_tridiag(dense_operator(D), torch::ones({8}, torch::kFloat64), 8, false);
  ASSERT_EQ(t.alpha.size(), 4u);
  EXPECT_EQ(t.beta.size(), 3u);
  const auto values = tridiag_eigh(t.alpha, t.beta).first;
  EXPECT_LT(max_diff(values, torch::tensor({0.0, 1.0, 2.0, 3.0}, torch::kFloat64)), 1e-12) << values;
  // Lanczos on it: converged with the exact top eigenvalues.
  EigenOptions o;
  o.k = 2;
  o.max_iter = 8;
  const EigenResult r = lanczos_top(dense_operator(D), o);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.values[0], 3.0, 1e-10);
  EXPECT_NEAR(r.values[1], 2.0, 1e-10);
  EXPECT_LT(r.residuals[0], 1e-8);
  // 5 I has a one-dimensional Krylov space: asking for 2 eigenvalues is a NumericsError.
  o.k = 2;
  EXPECT_THROW(lanczos_top(dense_operator(5.0 * torch::eye(6, torch::kFloat64)), o), NumericsError);
}

TEST(Eigen, TridiagEighMatchesADenseEigh) {
  torch::manual_seed(9);
  const std::vector<double> alpha = {2.0, -1.0, 0.5, 3.0, 1.5}, beta = {0.7, 1.1, 0.2, 0.9};
  const auto [values, vectors] = tridiag_eigh(alpha, beta);
  const torch::Tensor T = tridiagonal(alpha, beta);
  const torch::Tensor want = std::get<0>(torch::linalg::eigh(T, "L"));
  EXPECT_LT(max_diff(values, want), 1e-12);
  EXPECT_TRUE(torch::all(values.slice(0, 1) >= values.slice(0, 0, 4)).item<bool>());  // ascending
  // Columns are unit eigenvectors: T Q = Q diag(values).
  EXPECT_LT(max_diff(T.mm(vectors), vectors.mm(torch::diag(values))), 1e-12);
  EXPECT_LT(max_diff(vectors.t().mm(vectors), torch::eye(5, torch::kFloat64)), 1e-12);
  const auto one = tridiag_eigh({4.0}, {});
  EXPECT_EQ(one.first.item<double>(), 4.0);
}

TEST(Eigen, KOutOfRangeIsAConfigError) {
  const LinearOperator op = dense_operator(torch::eye(3, torch::kFloat64));
  for (std::int64_t k : {0, 4}) {
    EigenOptions o;
    o.k = k;
    EXPECT_THROW(power_iteration(op, o), ConfigError) << k;
    EXPECT_THROW(lanczos_top(op, o), ConfigError) << k;
  }
}

}  // namespace
}  // namespace curvlab
