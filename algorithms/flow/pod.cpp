// POD and POD-plus reconstruction (see pod.h).
#include "algorithms/flow/pod.h"

#include <torch/linalg.h>
#include <torch/torch.h>

#include "algorithms/flow/reconstruct_options.h"
#include "base/error.h"

namespace curvlab {

const EnumNames<ReconstructMethod>& reconstruct_method_names() {
  static const EnumNames<ReconstructMethod> names = {{ReconstructMethod::kDecoder, "decoder"},
                                                     {ReconstructMethod::kPod, "pod"},
                                                     {ReconstructMethod::kPodPlus, "pod_plus"}};
  return names;
}

PodBasis pod_basis(const torch::Tensor& snapshots) {
  CURVLAB_CHECK(snapshots.dim() == 2 && snapshots.size(0) >= 1, ConfigError,
                "POD: the training snapshots must be a non-empty [N, m] matrix");
  const torch::Tensor xt = snapshots.to(torch::kFloat64).t();  // [m, N]
  auto usv = torch::linalg::svd(xt, /*full_matrices=*/false, c10::nullopt);
  PodBasis b;
  b.modes = std::get<0>(usv);
  b.singular_values = std::get<1>(usv);
  return b;
}

namespace {
torch::Tensor leading(const PodBasis& b, std::int64_t k) {
  CURVLAB_CHECK(k >= 1 && k <= b.modes.size(1), ConfigError,
                "POD: " + std::to_string(k) + " modes asked for, but the training snapshots give " +
                    std::to_string(b.modes.size(1)) + "; use fewer modes or more training snapshots");
  return b.modes.slice(1, 0, k);
}
}  // namespace

torch::Tensor pod_reconstruct(const PodBasis& basis, std::int64_t k, const torch::Tensor& sensor_pixels,
                              const torch::Tensor& readings) {
  const torch::Tensor uk = leading(basis, k);                        // [m, k]
  const torch::Tensor us = uk.index_select(0, sensor_pixels);        // [|S|, k]
  const torch::Tensor c = torch::linalg::pinv(us).matmul(readings.to(torch::kFloat64).t());  // [k, n]
  return uk.matmul(c).t();                                           // [n, m]
}

PodPlusMap fit_pod_plus(const PodBasis& basis, std::int64_t k, const torch::Tensor& train_snapshots,
                        const torch::Tensor& train_readings, double ridge) {
  CURVLAB_CHECK(ridge >= 0, ConfigError, "POD-plus: the ridge must be >= 0");
  PodPlusMap f;
  f.modes = leading(basis, k);                                                   // [m, k]
  const torch::Tensor a = f.modes.t().matmul(train_snapshots.to(torch::kFloat64).t());  // [k, N]
  const torch::Tensor r = train_readings.to(torch::kFloat64).t();                // [|S|, N]
  const torch::Tensor rrt = r.matmul(r.t());                                     // [|S|, |S|]
  const std::int64_t s = rrt.size(0);
  f.lambda = ridge * rrt.trace().item<double>() / static_cast<double>(s);
  if (f.lambda > 0) {
    const torch::Tensor reg = rrt + f.lambda * torch::eye(s, rrt.options());
    // B = A R^T reg^-1  <=>  reg B^T = R A^T (reg is symmetric)
    f.map = torch::linalg::solve(reg, r.matmul(a.t()), /*left=*/true).t();
  } else {
    f.map = a.matmul(torch::linalg::pinv(r));
  }
  return f;
}

torch::Tensor pod_plus_reconstruct(const PodPlusMap& f, const torch::Tensor& readings) {
  return f.modes.matmul(f.map.matmul(readings.to(torch::kFloat64).t())).t();
}

double relative_error(const torch::Tensor& pred, const torch::Tensor& truth) {
  const torch::Tensor t = truth.to(torch::kFloat64);
  return (pred.to(torch::kFloat64) - t).norm().item<double>() / t.norm().item<double>();
}

torch::Tensor relative_errors_per_row(const torch::Tensor& pred, const torch::Tensor& truth) {
  const torch::Tensor t = truth.to(torch::kFloat64).flatten(1);
  return (pred.to(torch::kFloat64).flatten(1) - t).norm(2, {1}) / t.norm(2, {1});
}

}  // namespace curvlab
