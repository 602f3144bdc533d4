// Gram-matrix sums for K-FAC factor statistics: sum of x x^T over many small matrices, with BLAS
// syrk (half the work of a matrix product) when the loaded BLAS has it, spread over the intra-op
// threads. Not for: which matrices (kfac_layer.h), running averages (kfac_math.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace curvlab {

// Per-group sums of x x^T and, optionally, of x's rows summed over their columns. Accumulators
// filled by add_gram_* hold only their lower triangle until finish_gram() mirrors it.
struct GramSums {
  std::vector<torch::Tensor> xxt;     // per group [d, d]
  std::vector<torch::Tensor> colsum;  // per group [d] (empty when not asked for)
};

// acc += p p^T for p [d, k] (rows of p are the d variables, columns the k observations).
void add_gram_cols(torch::Tensor& acc, const torch::Tensor& p);
// acc += x^T x for x [k, d] (rows of x are the observations).
void add_gram_rows(torch::Tensor& acc, const torch::Tensor& x);

// For each item of m [n, groups * d, k] and each group j: into.xxt[j] += m_j m_j^T with m_j the
// item's rows [j d, (j + 1) d); when `into` has column sums, into.colsum[j] += m_j's row sums.
void add_grouped_cols(GramSums& into, const torch::Tensor& m);

// Called for items [lo, hi) of a batch; adds their contribution into `into` with add_gram_*.
using AddBlock = std::function<void(std::int64_t lo, std::int64_t hi, GramSums& into)>;

// Sums over `items` in blocks of `block` items spread over the intra-op threads: every thread adds
// into its own zero-initialised accumulators (groups x [d, d], and [d] when colsums), which are then
// added up and made symmetric. BLAS calls inside run single-threaded (base/blas_threads.h).
GramSums parallel_gram(std::int64_t items, std::int64_t block, std::int64_t groups, std::int64_t d, bool colsums,
                       const torch::TensorOptions& opts, const AddBlock& add);

// Items per block: about 1 MiB of float32 per block (it stays in cache between the unfold that
// makes it and the products that consume it), and at least one block per thread.
std::int64_t gram_block_items(std::int64_t items, std::int64_t elems_per_item);

// [[xxt, s], [s^T, n]]: the Gram matrix of [x, 1] from that of x, x's column sums s and its rows n.
torch::Tensor with_ones_column(const torch::Tensor& xxt, const torch::Tensor& colsum, double rows);

}  // namespace curvlab
