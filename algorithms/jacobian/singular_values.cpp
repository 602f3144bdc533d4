// Batched Lanczos on each image's Jacobian Gram matrix (largest and smallest singular values with
// residuals) and the dense route.
#include "algorithms/jacobian/singular_values.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "algorithms/hessian/linear_operator.h"
#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {

namespace {

// Row b: the start (step 0) or restart vector of image b, a seeded Gaussian [dim].
torch::Tensor start_vector(std::int64_t dim, std::uint64_t seed, std::int64_t image, std::int64_t step) {
  const std::uint64_t s = derive_seed(seed, "jacobian_lanczos", static_cast<std::uint64_t>(image));
  return gaussian(dim, step == 0 ? s : derive_seed(s, "restart", static_cast<std::uint64_t>(step)));
}

// Removes from each row of w [B, dim] its components along the basis rows [B, j, dim] (twice).
torch::Tensor orthogonalize_rows(torch::Tensor w, const torch::Tensor& basis) {
  for (int pass = 0; pass < 2; ++pass) {
    const torch::Tensor coef = torch::bmm(basis, w.unsqueeze(2));  // [B, j, 1]
    w = w - torch::bmm(basis.transpose(1, 2), coef).squeeze(2);
  }
  return w;
}

// The symmetric tridiagonal matrices [B, m, m] of alpha [B, m] and beta [B, m - 1].
torch::Tensor tridiagonal(const torch::Tensor& alpha, const torch::Tensor& beta) {
  torch::Tensor t = torch::diag_embed(alpha);
  if (beta.size(1) > 0) t = t + torch::diag_embed(beta, 1) + torch::diag_embed(beta, -1);
  return t;
}

}  // namespace

LanczosSingularValues lanczos_singular_values(JacobianAt& jac, const torch::Tensor& image_index,
                                              const SingularValueOptions& o) {
  const std::int64_t b = jac.output().size(0), n_in = jac.in_dim(), n_out = jac.out_dim();
  const std::int64_t dim = std::min(n_in, n_out);
  const std::int64_t wanted = o.top_k + o.bottom_k;
  CURVLAB_CHECK(o.top_k >= 0 && o.bottom_k >= 0 && wanted >= 1 && wanted <= dim, ConfigError,
                "Jacobian singular values: top_k + bottom_k must be in [1, " + std::to_string(dim) +
                    "] (min of the map's input and output sizes " + std::to_string(n_in) + ", " +
                    std::to_string(n_out) + "); got top_k " + std::to_string(o.top_k) + ", bottom_k " +
                    std::to_string(o.bottom_k));
  CURVLAB_CHECK(o.max_iter >= 1 && o.tol > 0, ConfigError,
                "Jacobian singular values: max_iter must be >= 1 and tol > 0");
  CURVLAB_CHECK(image_index.numel() == b, ConfigError,
                "Jacobian singular values: " + std::to_string(image_index.numel()) + " image indices for " +
                    std::to_string(b) + " images");
  const bool gram_in = n_in <= n_out;  // G = J^T J [in, in], else J J^T [out, out]
  const auto dtype = jac.output().scalar_type();
  auto gram = [&](const torch::Tensor& v) {  // float64 [B, dim] -> float64 [B, dim]
    const torch::Tensor vf = v.to(dtype);
    return (gram_in ? jac.vjp(jac.jvp(vf)) : jac.jvp(jac.vjp(vf))).to(torch::kFloat64);
  };
  const torch::Tensor index = image_index.to(torch::kInt64).contiguous();
  auto restart_rows = [&](std::int64_t step) {
    std::vector<torch::Tensor> rows;
    for (std::int64_t i = 0; i < b; ++i) rows.push_back(start_vector(dim, o.seed, index[i].item<std::int64_t>(), step));
    return torch::stack(rows);
  };
  const std::int64_t max_steps = std::min(dim, std::max(o.max_iter, wanted));
  const std::int64_t check_every = 5;

  torch::Tensor q = restart_rows(0);
  q = q / q.norm(2, {1}, true);
  std::vector<torch::Tensor> basis, alpha, beta;  // each [B, dim] / [B] / [B]
  torch::Tensor active = torch::ones({b}, torch::kBool);
  torch::Tensor steps = torch::zeros({b}, torch::kInt64);
  torch::Tensor converged = torch::zeros({b}, torch::kBool);
  torch::Tensor last_beta = torch::zeros({b}, torch::kFloat64);  // beta after each image's last step
  torch::Tensor scale = torch::zeros({b}, torch::kFloat64);
  auto stacked = [b](const std::vector<torch::Tensor>& v) {
    return v.empty() ? torch::zeros({b, 0}, torch::kFloat64) : torch::stack(v, 1);
  };
  for (std::int64_t j = 0; j < max_steps && active.any().item<bool>(); ++j) {
    basis.push_back(q);
    torch::Tensor w = gram(q);
    const torch::Tensor a = (q * w).sum(1);
    alpha.push_back(torch::where(active, a, torch::zeros_like(a)));
    const torch::Tensor qs = torch::stack(basis, 1);  // [B, j + 1, dim]
    w = orthogonalize_rows(w, qs);
    torch::Tensor bn = w.norm(2, {1});
    scale = torch::maximum(scale, a.abs());
    steps += active.to(torch::kInt64);
    const bool final_step = j + 1 == max_steps;
    // Converged: every wanted Ritz residual |bn s_last,i| within tol of the largest Ritz value (or
    // the whole space spanned: then the values are exact).
    torch::Tensor done = torch::zeros({b}, torch::kBool);
    if (final_step || (j + 1 >= wanted && (j + 1) % check_every == 0)) {
      const auto [theta, s] = torch::linalg::eigh(tridiagonal(stacked(alpha), stacked(beta)), "L");
      const torch::Tensor res = bn.unsqueeze(1) * s.select(1, j).abs();  // [B, j + 1], ascending theta
      const torch::Tensor limit = o.tol * theta.select(1, j).abs().clamp_min(1e-300).unsqueeze(1);
      torch::Tensor ok = torch::full({b}, j + 1 == dim, torch::kBool);
      torch::Tensor within = torch::ones({b}, torch::kBool);
      if (o.bottom_k > 0) within = within.logical_and(res.slice(1, 0, o.bottom_k).le(limit).all(1));
      if (o.top_k > 0) within = within.logical_and(res.slice(1, j + 1 - o.top_k, j + 1).le(limit).all(1));
      ok = ok.logical_or(within);
      done = final_step ? active.clone() : active.logical_and(ok);
      converged = converged.logical_or(active.logical_and(ok));
    }
    last_beta = torch::where(done, bn, last_beta);
    const torch::Tensor next = active.logical_and(done.logical_not());
    // An exhausted Krylov space (an invariant subspace found): go on from a fresh vector orthogonal
    // to the basis with beta = 0, so T stays block diagonal and repeated values are found again.
    const torch::Tensor exhausted = next.logical_and(bn.le(1e-10 * scale.clamp_min(1e-300)));
    if (exhausted.any().item<bool>()) {
      torch::Tensor fresh = orthogonalize_rows(restart_rows(j + 1), qs);
      w = torch::where(exhausted.unsqueeze(1), fresh, w);
      bn = torch::where(exhausted, torch::zeros_like(bn), bn);
    }
    const torch::Tensor wn = w.norm(2, {1}, true).clamp_min(1e-300);
    if (!final_step) beta.push_back(torch::where(next, bn, torch::zeros_like(bn)));
    scale = torch::maximum(scale, bn);
    q = torch::where(next.unsqueeze(1), w / wn, torch::zeros_like(w));
    active = next;
  }
  // Each image's own tridiagonal matrix (its first steps_b steps).
  LanczosSingularValues r;
  r.top = torch::zeros({b, o.top_k}, torch::kFloat64);
  r.bottom = torch::zeros({b, o.bottom_k}, torch::kFloat64);
  r.top_residual = torch::zeros({b, o.top_k}, torch::kFloat64);
  r.bottom_residual = torch::zeros({b, o.bottom_k}, torch::kFloat64);
  const torch::Tensor alpha_all = stacked(alpha), beta_all = stacked(beta);
  const bool vectors = o.vectors && o.top_k > 0;
  if (vectors) r.top_vectors = torch::zeros({b, o.top_k, dim}, torch::kFloat64);
  const torch::Tensor basis_all = vectors ? torch::stack(basis, 1) : torch::Tensor();  // [B, steps, dim]
  for (std::int64_t i = 0; i < b; ++i) {
    const std::int64_t m = steps[i].item<std::int64_t>();
    const torch::Tensor t = tridiagonal(alpha_all[i].slice(0, 0, m).unsqueeze(0),
                                        beta_all[i].slice(0, 0, m - 1).unsqueeze(0))[0];
    const auto [theta, s] = torch::linalg::eigh(t, "L");  // ascending
    const torch::Tensor res = last_beta[i] * s.select(0, m - 1).abs();
    const torch::Tensor sigma = theta.clamp_min(0).sqrt();
    if (o.top_k > 0) {
      r.top[i] = sigma.slice(0, m - o.top_k, m).flip(0);
      r.top_residual[i] = res.slice(0, m - o.top_k, m).flip(0);
      if (vectors) {  // Ritz vectors Q_i s: [top_k, dim]
        const torch::Tensor st = s.slice(1, m - o.top_k, m).flip(1);  // [m, top_k]
        r.top_vectors[i] = torch::matmul(st.t(), basis_all[i].slice(0, 0, m));
      }
    }
    if (o.bottom_k > 0) {
      r.bottom[i] = sigma.slice(0, 0, o.bottom_k);
      r.bottom_residual[i] = res.slice(0, 0, o.bottom_k);
    }
  }
  if (vectors && !gram_in) {
    // Ritz vectors of J J^T are left singular vectors u; the right ones are v = J^T u / sigma.
    std::vector<torch::Tensor> right;
    for (std::int64_t k = 0; k < o.top_k; ++k) {
      torch::Tensor v = jac.vjp(r.top_vectors.select(1, k).to(dtype)).to(torch::kFloat64);  // [B, in_dim]
      right.push_back(v / v.norm(2, {1}, true).clamp_min(1e-300));
    }
    r.top_vectors = torch::stack(right, 1);
  }
  r.steps = steps;
  r.converged = converged;
  return r;
}

torch::Tensor dense_singular_values(const torch::Tensor& jacobians) {
  CURVLAB_CHECK(jacobians.dim() == 3, ConfigError, "dense singular values: Jacobians must be [B, out, in]");
  const torch::Tensor j = jacobians.to(torch::kFloat64);
  const std::int64_t b = j.size(0), k = std::min(j.size(1), j.size(2));
  torch::Tensor out = torch::zeros({b, k}, torch::kFloat64);
  for (std::int64_t i = 0; i < b; ++i) {
    // Zero rows and columns carry only zero singular values: the SVD of the rest gives the others.
    const torch::Tensor nz = j[i].ne(0);
    const torch::Tensor rows = nz.any(1).nonzero().squeeze(1), cols = nz.any(0).nonzero().squeeze(1);
    if (rows.numel() == 0 || cols.numel() == 0) continue;
    const torch::Tensor kept = j[i].index_select(0, rows).index_select(1, cols);
    // The eigenvalues of the smaller Gram matrix (one GEMM and LAPACK syevd, about 4x faster than
    // gesdd on a 3136 x 1600 matrix); sigma = sqrt(lambda) is exact to about sqrt(eps64) sigma_1.
    const torch::Tensor gram = kept.size(0) <= kept.size(1) ? kept.matmul(kept.t()) : kept.t().matmul(kept);
    const torch::Tensor sv = std::get<0>(torch::linalg_eigvalsh(gram, "L").clamp_min(0).sqrt().sort(0, true));
    out[i].slice(0, 0, sv.size(0)).copy_(sv);
  }
  return out;
}

}  // namespace curvlab
