// K-FAC block maths: running factors, eigendecomposition / damped inverse, preconditioning.
#include "algorithms/kfac/kfac_math.h"

#include "base/blas_threads.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {
namespace {

// LAPACK's float32 ssyevd reports its workspace size as a float; from n of about 2900 on
// (1 + 6n + 2n^2 > 2^24) the rounded size is too small and the call fails ("parameter 8 had an
// illegal value", seen with Debian's libtorch 1.13). Larger float32 factors are decomposed in
// float64 and the result is rounded back.
constexpr std::int64_t kFloat32EighMaxDim = 2048;

// Decompositions run with one OpenBLAS thread (base/blas_threads.h): on a busy machine the pool's
// spin-waiting made a 785 x 785 eigh take seconds instead of 0.1 s (docs/performance.md).
std::tuple<torch::Tensor, torch::Tensor> eigh(const torch::Tensor& f) {
  if (f.scalar_type() == torch::kFloat32 && f.size(0) > kFloat32EighMaxDim) {
    auto [d, q] = torch::linalg::eigh(f.to(torch::kFloat64), "U");
    return {d.to(torch::kFloat32), q.to(torch::kFloat32)};
  }
  return torch::linalg::eigh(f, "U");
}

// l.mm(r) with the rows of l spread over the intra-op threads when the product is large enough to
// pay for it (each thread's BLAS call runs single-threaded, base/blas_threads.h).
torch::Tensor mm_rows(const torch::Tensor& l, const torch::Tensor& r) {
  const std::int64_t rows = l.size(0), threads = at::get_num_threads();
  const double macs = static_cast<double>(rows) * static_cast<double>(l.size(1)) * static_cast<double>(r.size(1));
  if (threads < 2 || rows < 2 * threads || macs < 2e6) return l.mm(r);
  torch::Tensor out = torch::empty({rows, r.size(1)}, l.options());
  at::parallel_for(0, rows, (rows + threads - 1) / threads, [&](std::int64_t lo, std::int64_t hi) {
    torch::NoGradGuard no_grad;  // grad mode is thread-local
    torch::Tensor part = out.slice(0, lo, hi);
    torch::mm_out(part, l.slice(0, lo, hi), r);
  });
  return out;
}

}  // namespace

const EnumNames<KfacMethod>& kfac_method_names() {
  static const EnumNames<KfacMethod> names = {{KfacMethod::kEigen, "eigen"}, {KfacMethod::kInverse, "inverse"}};
  return names;
}

const EnumNames<KfacDtype>& kfac_dtype_names() {
  static const EnumNames<KfacDtype> names = {{KfacDtype::kFloat32, "float32"}, {KfacDtype::kFloat64, "float64"}};
  return names;
}

torch::ScalarType to_scalar_type(KfacDtype dtype) {
  return dtype == KfacDtype::kFloat64 ? torch::kFloat64 : torch::kFloat32;
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

void update_running_factor(torch::Tensor& factor, const torch::Tensor& fresh, double decay, double scale) {
  torch::NoGradGuard no_grad;
  if (!factor.defined()) factor = torch::eye(fresh.size(0), fresh.options());
  factor.mul_(decay).add_(fresh, (1.0 - decay) * scale);
}

Decomposition decompose(const torch::Tensor& a, const torch::Tensor& g, KfacMethod method, double damping,
                        torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  Decomposition d;
  SingleBlasThread one_blas_thread;
  const torch::Tensor a64 = a.to(dtype), g64 = g.to(dtype);
  // Checked before LAPACK sees them: its eigh refuses NaN input with an error of its own.
  if (!torch::isfinite(a64).all().item<bool>() || !torch::isfinite(g64).all().item<bool>()) {
    CURVLAB_THROW(NumericsError, "K-FAC: a factor is not finite (NaN or inf in a layer's inputs or output gradients: "
                                 "the run is diverging); lower train.lr or raise kfac.damping, or use "
                                 "kfac.factor_dtype = \"float64\"");
  }
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
    const torch::Tensor v1 = mm_rows(mm_rows(d.qg.t(), grad.to(d.qg.scalar_type())), d.qa);  // [g, a]
    const torch::Tensor v2 = v1.div_(torch::outer(d.dg, d.da).add_(damping));
    return mm_rows(mm_rows(d.qg, v2), d.qa.t()).to(grad.scalar_type());
  }
  return mm_rows(mm_rows(d.g_inv, grad.to(d.g_inv.scalar_type())), d.a_inv).to(grad.scalar_type());
}

}  // namespace curvlab
