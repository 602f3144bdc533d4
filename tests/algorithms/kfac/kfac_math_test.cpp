// Tests of algorithms/kfac/kfac_math.cpp, the dense maths of one Kronecker block: the running
// factor update (identity start, decay, scale; 1e-15), decompositions against their definitions
// (Q diag(d) Q^T = F and orthonormal Q for eigen, (F + damping I) F^-1 = I for inverse; 1e-10),
// eigenvalues clamped at 0, the preconditioned block against a dense Kronecker solve, the same over
// one and two threads, the tensor lists and shapes of each method, and non-finite factors.
#include "algorithms/kfac/kfac_math.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "base/error.h"

using namespace curvlab;

namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

torch::Tensor spd(std::int64_t n, std::uint64_t seed) {
  torch::manual_seed(seed);
  auto m = torch::randn({n, 2 * n}, torch::kFloat64);
  return m.mm(m.t()) / (2.0 * n);
}

}  // namespace

TEST(KfacMath, EigenClampsNegativeEigenvalues) {
  // An indefinite "factor" (possible in float32 round-off): eigenvalues are clamped at 0.
  auto a = torch::tensor({{1.0, 0.0}, {0.0, -0.5}}, torch::kFloat64);
  auto g = torch::eye(1, torch::kFloat64);
  auto d = decompose(a, g, KfacMethod::kEigen, 0.1, torch::kFloat64);
  EXPECT_EQ(d.da.min().item<double>(), 0.0);
  auto p = precondition_block(torch::ones({1, 2}, torch::kFloat64), d, KfacMethod::kEigen, 0.1);
  EXPECT_NEAR(p[0][0].item<double>(), 1.0 / 1.1, 1e-12);
  EXPECT_NEAR(p[0][1].item<double>(), 1.0 / 0.1, 1e-12);
}

TEST(KfacMath, PreconditionBlockOverTwoThreadsMatchesOneThread) {
  // [64, 200] blocks are large enough for precondition_block to split rows over the threads.
  torch::manual_seed(9);
  auto spd = [](std::int64_t n) {
    auto m = torch::randn({n, 2 * n}, torch::kFloat64);
    return m.mm(m.t()) / (2.0 * n);
  };
  const auto a = spd(200), g = spd(64);
  const auto grad = torch::randn({64, 200}, torch::kFloat64);
  const int saved = at::get_num_threads();
  for (const auto method : {KfacMethod::kEigen, KfacMethod::kInverse}) {
    const Decomposition d = decompose(a, g, method, 0.01, torch::kFloat64);
    at::set_num_threads(1);
    const auto one = precondition_block(grad, d, method, 0.01);
    at::set_num_threads(2);
    const auto two = precondition_block(grad, d, method, 0.01);
    at::set_num_threads(saved);
    EXPECT_LT(max_diff(one, two), 1e-12 * one.abs().max().item<double>());
    if (method == KfacMethod::kInverse) {  // (G + λI)^-1 grad (A + λI)^-1, dense
      const auto want = torch::linalg::solve(g + 0.01 * torch::eye(64, torch::kFloat64),
                                             torch::linalg::solve(a + 0.01 * torch::eye(200, torch::kFloat64), grad.t(), true).t(), true);
      EXPECT_LT(max_diff(two, want), 1e-9 * want.abs().max().item<double>());
    }
  }
}

TEST(KfacMath, RunningFactorStartsAtTheIdentityAndDecays) {
  const torch::Tensor f1 = spd(3, 1), f2 = spd(3, 2);
  torch::Tensor factor;  // undefined: starts as I
  update_running_factor(factor, f1, 0.9);
  EXPECT_LT(max_diff(factor, 0.9 * torch::eye(3, torch::kFloat64) + 0.1 * f1), 1e-15);
  update_running_factor(factor, f2, 0.9, /*scale=*/0.25);  // F_new = 0.25 * fresh
  const torch::Tensor want = 0.9 * (0.9 * torch::eye(3, torch::kFloat64) + 0.1 * f1) + 0.1 * 0.25 * f2;
  EXPECT_LT(max_diff(factor, want), 1e-15);
  // decay 0: the fresh factor replaces the old one.
  update_running_factor(factor, f2, 0.0);
  EXPECT_LT(max_diff(factor, f2), 1e-15);
  EXPECT_EQ(factor.scalar_type(), torch::kFloat64);
}

TEST(KfacMath, DecompositionsMeetTheirDefinitions) {
  const torch::Tensor a = spd(6, 3), g = spd(4, 4);
  const Decomposition e = decompose(a, g, KfacMethod::kEigen, 0.01, torch::kFloat64);
  EXPECT_TRUE(e.defined());
  EXPECT_LT(max_diff(e.qa.mm(torch::diag(e.da)).mm(e.qa.t()), a), 1e-10);
  EXPECT_LT(max_diff(e.qg.mm(torch::diag(e.dg)).mm(e.qg.t()), g), 1e-10);
  EXPECT_LT(max_diff(e.qa.t().mm(e.qa), torch::eye(6, torch::kFloat64)), 1e-10);
  EXPECT_FALSE(e.a_inv.defined());
  const Decomposition inv = decompose(a, g, KfacMethod::kInverse, 0.01, torch::kFloat64);
  EXPECT_LT(max_diff(inv.a_inv.mm(a + 0.01 * torch::eye(6, torch::kFloat64)), torch::eye(6, torch::kFloat64)), 1e-10);
  EXPECT_LT(max_diff(inv.g_inv.mm(g + 0.01 * torch::eye(4, torch::kFloat64)), torch::eye(4, torch::kFloat64)), 1e-10);
  EXPECT_FALSE(inv.qa.defined());
  EXPECT_FALSE(Decomposition{}.defined());
  // float32 factors decomposed in float32 when asked.
  const Decomposition f32 = decompose(a.to(torch::kFloat32), g.to(torch::kFloat32), KfacMethod::kEigen, 0.01,
                                      to_scalar_type(KfacDtype::kFloat32));
  EXPECT_EQ(f32.qa.scalar_type(), torch::kFloat32);
  EXPECT_LT(max_diff(f32.qa.mm(torch::diag(f32.da)).mm(f32.qa.t()).to(torch::kFloat64), a), 1e-5);
}

TEST(KfacMath, EigenPreconditioningIsTheDampedKroneckerSolve) {
  // Q_G [(Q_G^T grad Q_A) / (d_G d_A^T + damping)] Q_A^T = (G kron A + damping I)^-1 vec(grad), row-major.
  const torch::Tensor a = spd(5, 5), g = spd(3, 6);
  torch::manual_seed(7);
  const torch::Tensor grad = torch::randn({3, 5}, torch::kFloat64);
  const Decomposition d = decompose(a, g, KfacMethod::kEigen, 0.05, torch::kFloat64);
  const torch::Tensor got = precondition_block(grad, d, KfacMethod::kEigen, 0.05);
  const torch::Tensor m = torch::kron(g, a) + 0.05 * torch::eye(15, torch::kFloat64);
  const torch::Tensor want = torch::linalg::solve(m, grad.reshape({-1, 1}), true).reshape({3, 5});
  const double diff = max_diff(got, want);
  EXPECT_LT(diff, 1e-10 * want.abs().max().item<double>()) << "max diff " << diff;
  EXPECT_EQ(got.sizes(), grad.sizes());
  // A float32 gradient comes back as float32.
  EXPECT_EQ(precondition_block(grad.to(torch::kFloat32), d, KfacMethod::kEigen, 0.05).scalar_type(), torch::kFloat32);
}

TEST(KfacMath, TensorListsNamesAndShapesPerMethod) {
  EXPECT_EQ(Decomposition::names(KfacMethod::kEigen), (std::vector<std::string>{"qa", "da", "qg", "dg"}));
  EXPECT_EQ(Decomposition::names(KfacMethod::kInverse), (std::vector<std::string>{"a_inv", "g_inv"}));
  EXPECT_EQ(Decomposition::shapes(KfacMethod::kEigen, 5, 3),
            (std::vector<std::vector<std::int64_t>>{{5, 5}, {5}, {3, 3}, {3}}));
  EXPECT_EQ(Decomposition::shapes(KfacMethod::kInverse, 5, 3), (std::vector<std::vector<std::int64_t>>{{5, 5}, {3, 3}}));
  Decomposition d;
  const auto eig = d.tensors(KfacMethod::kEigen);
  ASSERT_EQ(eig.size(), 4u);
  EXPECT_EQ(eig[0], &d.qa);
  EXPECT_EQ(eig[3], &d.dg);
  const auto inv = d.tensors(KfacMethod::kInverse);
  ASSERT_EQ(inv.size(), 2u);
  EXPECT_EQ(inv[1], &d.g_inv);
  // The decomposition's tensors have those shapes.
  Decomposition e = decompose(spd(5, 1), spd(3, 2), KfacMethod::kEigen, 0.01, torch::kFloat64);
  const auto shapes = Decomposition::shapes(KfacMethod::kEigen, 5, 3);
  const auto ts = e.tensors(KfacMethod::kEigen);
  for (std::size_t i = 0; i < ts.size(); ++i) EXPECT_EQ(ts[i]->sizes().vec(), shapes[i]) << Decomposition::names(KfacMethod::kEigen)[i];
}

TEST(KfacMath, NamesOfTheOptionsEnums) {
  EXPECT_EQ(kfac_method_names().names(), (std::vector<std::string>{"eigen", "inverse"}));
  EXPECT_EQ(kfac_dtype_names().names(), (std::vector<std::string>{"float32", "float64"}));
  EXPECT_EQ(to_scalar_type(KfacDtype::kFloat64), torch::kFloat64);
  EXPECT_EQ(to_scalar_type(KfacDtype::kFloat32), torch::kFloat32);
}

// A NaN in a factor (a diverging run whose loss the trainer has not read yet) must give the typed
// error with its hint for both methods; LAPACK's eigh refuses NaN input with its own error.
TEST(KfacMath, NonFiniteFactorIsANumericsErrorThatSaysWhatToChange) {
  torch::Tensor a = spd(3, 1);
  a[0][1] = std::numeric_limits<double>::quiet_NaN();
  a[1][0] = std::numeric_limits<double>::quiet_NaN();
  for (const auto method : {KfacMethod::kEigen, KfacMethod::kInverse}) {
    try {
      decompose(a, spd(2, 2), method, 0.01, torch::kFloat64);
      ADD_FAILURE() << "expected NumericsError";
    } catch (const NumericsError& e) {
      EXPECT_NE(std::string(e.what()).find("kfac.damping"), std::string::npos) << e.what();
    } catch (const std::exception& e) {  // e.g. LAPACK's own "failed to converge" (c10::Error)
      ADD_FAILURE() << "expected a NumericsError with a hint, got: " << e.what();
    }
  }
}
