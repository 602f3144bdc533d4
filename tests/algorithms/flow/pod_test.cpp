// POD and POD-plus reconstruction (algorithms/flow/pod.cpp): exact recovery of a field in the span
// of its modes when sensors >= modes (tolerance 1e-10, float64), POD-plus against its normal-equation
// formula written out, the ridge's scale, relative errors, and the mode-count check.
#include "algorithms/flow/pod.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/flow/reconstruct_options.h"
#include "base/error.h"

namespace curvlab {
namespace {

// N snapshots of an m-pixel field spanned by r random orthonormal modes with decaying energies.
torch::Tensor low_rank_snapshots(std::int64_t n, std::int64_t m, std::int64_t r, torch::Tensor* modes) {
  torch::manual_seed(11);
  *modes = std::get<0>(torch::linalg::qr(torch::randn({m, r}, torch::kFloat64)));
  const torch::Tensor energy = torch::pow(0.5, torch::arange(r, torch::kFloat64));
  return (torch::randn({n, r}, torch::kFloat64) * energy).matmul(modes->t());
}

TEST(Pod, RecoversFieldsInTheSpanExactly) {
  torch::Tensor modes;
  const torch::Tensor train = low_rank_snapshots(40, 60, 4, &modes);
  const PodBasis b = pod_basis(train);
  ASSERT_EQ(b.modes.sizes(), (std::vector<std::int64_t>{60, 40}));
  EXPECT_LT(b.singular_values[4].item<double>(), 1e-10);  // rank 4
  torch::manual_seed(12);
  const torch::Tensor test = torch::randn({5, 4}, torch::kFloat64).matmul(modes.t());  // in the span
  for (std::int64_t sensors : {4, 6, 9}) {
    const torch::Tensor idx = torch::randperm(60, torch::kInt64).slice(0, 0, sensors);
    const torch::Tensor pred = pod_reconstruct(b, 4, idx, test.index_select(1, idx));
    const double err = relative_error(pred, test);
    EXPECT_LT(err, 1e-10) << sensors << " sensors, 4 modes: relative error " << err;
  }
  // Fewer modes than the field needs: not exact.
  const torch::Tensor idx = torch::arange(3, torch::kInt64);
  EXPECT_GT(relative_error(pod_reconstruct(b, 3, idx, test.index_select(1, idx)), test), 1e-3);
  EXPECT_THROW(pod_reconstruct(b, 41, idx, test.index_select(1, idx)), ConfigError);
}

TEST(Pod, PodPlusIsTheRidgeSolution) {
  torch::Tensor modes;
  torch::Tensor train = low_rank_snapshots(30, 50, 8, &modes);
  train = train + 1e-3 * torch::randn_like(train);
  const PodBasis b = pod_basis(train);
  const torch::Tensor idx = torch::tensor({3, 17, 29, 41, 7}, torch::kInt64);
  const torch::Tensor r = train.index_select(1, idx);  // [N, s]
  for (double ridge : {0.0, 1e-3}) {
    const PodPlusMap f = fit_pod_plus(b, 6, train, r, ridge);
    // Normal equations: B (R^T R + lambda I) = A^T R with A = X U_k [N, k] (rows: snapshots).
    const torch::Tensor a = train.matmul(b.modes.slice(1, 0, 6));
    const torch::Tensor gram = r.t().matmul(r);
    const double lambda = ridge * gram.trace().item<double>() / 5.0;
    EXPECT_NEAR(f.lambda, lambda, 1e-15 + 1e-12 * lambda);
    const torch::Tensor lhs = f.map.matmul(gram + lambda * torch::eye(5, torch::kFloat64));
    const torch::Tensor rhs = a.t().matmul(r);
    const double diff = (lhs - rhs).abs().max().item<double>() / rhs.abs().max().item<double>();
    EXPECT_LT(diff, 1e-10) << "ridge " << ridge;
    const torch::Tensor pred = pod_plus_reconstruct(f, r);
    EXPECT_EQ(pred.sizes(), train.sizes());
    EXPECT_TRUE(torch::allclose(pred, f.modes.matmul(f.map.matmul(r.t())).t(), 1e-12, 1e-14));
  }
  EXPECT_THROW(fit_pod_plus(b, 6, train, r, -1.0), ConfigError);
}

TEST(Pod, RelativeErrors) {
  const torch::Tensor t = torch::tensor({{3.0, 4.0}, {0.0, 1.0}}, torch::kFloat64);
  const torch::Tensor p = torch::tensor({{3.0, 4.0}, {0.0, 2.0}}, torch::kFloat64);
  EXPECT_DOUBLE_EQ(relative_error(p, t), 1.0 / std::sqrt(26.0));
  const torch::Tensor rows = relative_errors_per_row(p, t);
  EXPECT_DOUBLE_EQ(rows[0].item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(rows[1].item<double>(), 1.0);
  EXPECT_EQ(reconstruct_method_names().names(), (std::vector<std::string>{"decoder", "pod", "pod_plus"}));
}

}  // namespace
}  // namespace curvlab
