// Gram-matrix sums for K-FAC factors: BLAS syrk through dlsym, blocked parallel accumulation.
#include "algorithms/kfac/gram.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <climits>
#include <mutex>

namespace curvlab {
namespace {

// Fortran BLAS ?syrk (LP64): C = alpha op(A) op(A)^T + beta C on one triangle, column-major.
template <typename T>
using SyrkFn = void (*)(const char* uplo, const char* trans, const int* n, const int* k, const T* alpha, const T* a,
                        const int* lda, const T* beta, T* c, const int* ldc);

// Found in whatever BLAS the process loaded (Debian's libtorch: OpenBLAS); null when absent.
template <typename T>
SyrkFn<T> syrk_fn();
template <>
SyrkFn<float> syrk_fn<float>() {
  static const auto fn = reinterpret_cast<SyrkFn<float>>(dlsym(RTLD_DEFAULT, "ssyrk_"));
  return fn;
}
template <>
SyrkFn<double> syrk_fn<double>() {
  static const auto fn = reinterpret_cast<SyrkFn<double>>(dlsym(RTLD_DEFAULT, "dsyrk_"));
  return fn;
}

// Below this many variables syrk's blocking costs more than it saves (measured: d = 25, 1.2x
// slower than a product; d >= 144, 1.4-1.7x faster; docs/performance.md).
constexpr std::int64_t kSyrkMinDim = 64;

bool fits_int(std::int64_t v) { return v > 0 && v <= INT_MAX; }

// Lower triangle (row-major) of acc += m m^T (transposed = false, m [d, k]) or m^T m
// (transposed = true, m [k, d]) by syrk; false when syrk does not apply (caller uses a product).
template <typename T>
bool syrk_lower(torch::Tensor& acc, const torch::Tensor& m, bool transposed) {
  const SyrkFn<T> fn = syrk_fn<T>();
  const std::int64_t d = acc.size(0), k = transposed ? m.size(0) : m.size(1);
  if (fn == nullptr || d < kSyrkMinDim || !fits_int(d) || !fits_int(k) || !acc.is_contiguous()) return false;
  const torch::Tensor c = m.contiguous();
  // Row-major [d, k] is column-major [k, d]: m m^T is op = 'T' with lda = k. Row-major [k, d] is
  // column-major [d, k]: m^T m is op = 'N' with lda = d. Column-major upper = row-major lower.
  const int n = static_cast<int>(d), kk = static_cast<int>(k), lda = transposed ? n : kk;
  const T one = 1;
  fn("U", transposed ? "N" : "T", &n, &kk, &one, c.data_ptr<T>(), &lda, &one, acc.data_ptr<T>(), &n);
  return true;
}

bool syrk_into(torch::Tensor& acc, const torch::Tensor& m, bool transposed) {
  if (acc.scalar_type() != m.scalar_type()) return false;
  if (acc.scalar_type() == torch::kFloat32) return syrk_lower<float>(acc, m, transposed);
  if (acc.scalar_type() == torch::kFloat64) return syrk_lower<double>(acc, m, transposed);
  return false;
}

// The accumulators of add_gram_* hold the lower triangle (syrk) or the full matrix (product); a
// full symmetric matrix is unchanged by this.
void mirror_lower(torch::Tensor& m) { m = m.tril() + m.tril(-1).t(); }

}  // namespace

void add_gram_cols(torch::Tensor& acc, const torch::Tensor& p) {
  if (!syrk_into(acc, p, false)) acc.addmm_(p, p.t());
}

void add_gram_rows(torch::Tensor& acc, const torch::Tensor& x) {
  if (!syrk_into(acc, x, true)) acc.addmm_(x.t(), x);
}

void add_grouped_cols(GramSums& into, const torch::Tensor& m) {
  const auto groups = static_cast<std::int64_t>(into.xxt.size());
  const std::int64_t d = m.size(1) / groups;
  for (std::int64_t i = 0; i < m.size(0); ++i) {
    const torch::Tensor item = m[i];
    for (std::int64_t j = 0; j < groups; ++j) {
      add_gram_cols(into.xxt[static_cast<std::size_t>(j)], groups == 1 ? item : item.slice(0, j * d, (j + 1) * d));
    }
  }
  if (into.colsum.empty()) return;
  const torch::Tensor s = m.sum(torch::IntArrayRef{0, 2});
  for (std::int64_t j = 0; j < groups; ++j) into.colsum[static_cast<std::size_t>(j)].add_(s.slice(0, j * d, (j + 1) * d));
}

GramSums parallel_gram(std::int64_t items, std::int64_t block, std::int64_t groups, std::int64_t d, bool colsums,
                       const torch::TensorOptions& opts, const AddBlock& add) {
  const std::int64_t blocks = (items + block - 1) / block;
  std::mutex mu;
  std::vector<GramSums> parts;
  // Each call owns its accumulators (allocated here, so any parallel backend works).
  at::parallel_for(0, blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    torch::NoGradGuard no_grad;  // grad mode is thread-local: the pool's threads do not inherit it
    GramSums mine;
    for (std::int64_t j = 0; j < groups; ++j) {
      mine.xxt.push_back(torch::zeros({d, d}, opts));
      if (colsums) mine.colsum.push_back(torch::zeros({d}, opts));
    }
    for (std::int64_t b = b0; b < b1; ++b) add(b * block, std::min(items, (b + 1) * block), mine);
    std::lock_guard<std::mutex> lock(mu);
    parts.push_back(std::move(mine));
  });
  GramSums total = std::move(parts.front());
  for (std::size_t t = 1; t < parts.size(); ++t) {
    for (std::size_t j = 0; j < total.xxt.size(); ++j) {
      total.xxt[j].add_(parts[t].xxt[j]);
      if (colsums) total.colsum[j].add_(parts[t].colsum[j]);
    }
  }
  for (auto& m : total.xxt) mirror_lower(m);
  return total;
}

std::int64_t gram_block_items(std::int64_t items, std::int64_t elems_per_item) {
  const std::int64_t threads = std::max<std::int64_t>(1, at::get_num_threads());
  const std::int64_t by_cache =
      std::max<std::int64_t>(1, (std::int64_t{1} << 18) / std::max<std::int64_t>(1, elems_per_item));
  return std::max<std::int64_t>(1, std::min(by_cache, (items + threads - 1) / threads));
}

torch::Tensor with_ones_column(const torch::Tensor& xxt, const torch::Tensor& colsum, double rows) {
  const std::int64_t d = xxt.size(0);
  torch::Tensor out = torch::empty({d + 1, d + 1}, xxt.options());
  out.slice(0, 0, d).slice(1, 0, d).copy_(xxt);
  out.slice(0, 0, d).select(1, d).copy_(colsum);
  out.select(0, d).slice(0, 0, d).copy_(colsum);
  out.select(0, d).select(0, d).fill_(rows);
  return out;
}

}  // namespace curvlab
