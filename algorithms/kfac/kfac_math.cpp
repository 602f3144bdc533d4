// K-FAC block maths: running factors, eigendecomposition / damped inverse, preconditioning.
#include "algorithms/kfac/kfac_math.h"

#include "engine/blas_threads.h"

#include <torch/torch.h>

#include "engine/error.h"

namespace curvlab {
namespace {

// LAPACK's float32 ssyevd reports its workspace size as a float; from n of about 2900 on
// (1 + 6n + 2n^2 > 2^24) the rounded size is too small and the call fails ("parameter 8 had an
// illegal value", seen with Debian's libtorch 1.13). Larger float32 factors are decomposed in
// float64 and the result is rounded back.
constexpr std::int64_t kFloat32EighMaxDim = 2048;

// Decompositions run with one OpenBLAS thread (engine/blas_threads.h): on a busy machine the pool's
// spin-waiting made a 785 x 785 eigh take seconds instead of 0.1 s (docs/performance.md).
std::tuple<torch::Tensor, torch::Tensor> eigh(const torch::Tensor& f) {
  if (f.scalar_type() == torch::kFloat32 && f.size(0) > kFloat32EighMaxDim) {
    auto [d, q] = torch::linalg::eigh(f.to(torch::kFloat64), "U");
    return {d.to(torch::kFloat32), q.to(torch::kFloat32)};
  }
  return torch::linalg::eigh(f, "U");
}

}  // namespace

KfacMethod kfac_method(const std::string& name) {
  if (name == "eigen") return KfacMethod::kEigen;
  if (name == "inverse") return KfacMethod::kInverse;
  CURVLAB_THROW(ConfigError, "unknown kfac.method '" + name + "' (allowed: eigen, inverse)");
}

std::vector<torch::Tensor*> Decomposition::tensors(KfacMethod method) {
  if (method == KfacMethod::kEigen) return {&qa, &da, &qg, &dg};
  return {&a_inv, &g_inv};
}

std::vector<std::string> Decomposition::names(KfacMethod method) {
  if (method == KfacMethod::kEigen) return {"qa", "da", "qg", "dg"};
  return {"a_inv", "g_inv"};
}

std::vector<std::vector<std::int64_t>> Decomposition::shapes(KfacMethod method, std::int64_t a, std::int64_t g) {
  if (method == KfacMethod::kEigen) return {{a, a}, {a}, {g, g}, {g}};
  return {{a, a}, {g, g}};
}

void update_running_factor(torch::Tensor& factor, const torch::Tensor& fresh, double decay) {
  torch::NoGradGuard no_grad;
  if (!factor.defined()) factor = torch::eye(fresh.size(0), fresh.options());
  factor.mul_(decay).add_(fresh, 1.0 - decay);
}

Decomposition decompose(const torch::Tensor& a, const torch::Tensor& g, KfacMethod method, double damping,
                        torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  Decomposition d;
  SingleBlasThread one_blas_thread;
  const torch::Tensor a64 = a.to(dtype), g64 = g.to(dtype);
  if (method == KfacMethod::kEigen) {
    auto [da, qa] = eigh(a64);
    auto [dg, qg] = eigh(g64);
    d.qa = qa.contiguous();
    d.da = da.clamp_min(0.0);
    d.qg = qg.contiguous();
    d.dg = dg.clamp_min(0.0);
  } else {
    d.a_inv = torch::linalg::inv(a64 + damping * torch::eye(a64.size(0), a64.options()));
    d.g_inv = torch::linalg::inv(g64 + damping * torch::eye(g64.size(0), g64.options()));
  }
  for (torch::Tensor* t : d.tensors(method)) {
    if (!torch::isfinite(*t).all().item<bool>()) {
      CURVLAB_THROW(NumericsError, "K-FAC: a factor decomposition is not finite; raise kfac.damping, use "
                                   "kfac.inv_dtype = \"float64\", or lower train.lr");
    }
  }
  return d;
}

torch::Tensor precondition_block(const torch::Tensor& grad, const Decomposition& d, KfacMethod method,
                                 double damping) {
  torch::NoGradGuard no_grad;
  if (method == KfacMethod::kEigen) {
    const torch::Tensor v1 = d.qg.t().mm(grad.to(d.qg.scalar_type())).mm(d.qa);  // [g, a]
    const torch::Tensor v2 = v1 / (torch::outer(d.dg, d.da) + damping);
    return d.qg.mm(v2).mm(d.qa.t()).to(grad.scalar_type());
  }
  return d.g_inv.mm(grad.to(d.g_inv.scalar_type())).mm(d.a_inv).to(grad.scalar_type());
}

}  // namespace curvlab
