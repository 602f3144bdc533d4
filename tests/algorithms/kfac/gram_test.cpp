// Tests for algorithms/kfac/gram.h: syrk-or-product Gram sums against dense products, in float32
// and float64, below and above the syrk threshold, serial and over 2 intra-op threads.
#include "algorithms/kfac/gram.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace curvlab {
namespace {

double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max()).item<double>();
}

// Restores the intra-op thread count of the test binary.
struct Threads {
  explicit Threads(int n) : saved(at::get_num_threads()) { at::set_num_threads(n); }
  ~Threads() { at::set_num_threads(saved); }
  int saved;
};

class GramDims : public ::testing::TestWithParam<std::tuple<std::int64_t, torch::ScalarType>> {};

TEST_P(GramDims, ColsAndRowsMatchProducts) {
  const auto [d, dtype] = GetParam();
  torch::manual_seed(3);
  const auto opts = torch::dtype(dtype);
  const torch::Tensor p = torch::randn({d, 37}, opts), q = torch::randn({d, 11}, opts);
  const torch::Tensor x = torch::randn({29, d}, opts);
  // Two accumulations into one accumulator, then mirrored as parallel_gram does.
  GramSums sums = parallel_gram(1, 1, 1, d, false, opts, [&](std::int64_t, std::int64_t, GramSums& into) {
    add_gram_cols(into.xxt[0], p);
    add_gram_cols(into.xxt[0], q);
  });
  const double tol = dtype == torch::kFloat64 ? 1e-13 : 1e-5;
  EXPECT_LT(rel_diff(sums.xxt[0], p.mm(p.t()) + q.mm(q.t())), tol);
  EXPECT_TRUE(torch::equal(sums.xxt[0], sums.xxt[0].t()));
  GramSums rows = parallel_gram(1, 1, 1, d, false, opts, [&](std::int64_t, std::int64_t, GramSums& into) {
    add_gram_rows(into.xxt[0], x);
  });
  EXPECT_LT(rel_diff(rows.xxt[0], x.t().mm(x)), tol);
}

// d = 10 uses a product, d = 100 syrk (threshold 64 in gram.cpp).
INSTANTIATE_TEST_SUITE_P(Both, GramDims,
                         ::testing::Combine(::testing::Values<std::int64_t>(10, 100),
                                            ::testing::Values(torch::kFloat32, torch::kFloat64)));

TEST(ParallelGram, GroupedBlocksOverTwoThreadsAddUp) {
  Threads two(2);
  torch::manual_seed(4);
  const std::int64_t items = 23, d = 70, k = 9, groups = 2;
  const torch::Tensor data = torch::randn({items, groups * d, k}, torch::kFloat64);
  const std::int64_t block = gram_block_items(items, groups * d * k);
  EXPECT_GE(block, 1);
  EXPECT_LE(block, (items + 1) / 2);  // at least one block per thread
  GramSums sums = parallel_gram(items, 3, groups, d, true, torch::dtype(torch::kFloat64),
                                [&](std::int64_t lo, std::int64_t hi, GramSums& into) {
    add_grouped_cols(into, data.slice(0, lo, hi));  // per item and group: p p^T and p's row sums
  });
  for (std::int64_t j = 0; j < groups; ++j) {
    const torch::Tensor all = data.slice(1, j * d, (j + 1) * d).permute({1, 0, 2}).reshape({d, -1});  // [d, items*k]
    EXPECT_LT(rel_diff(sums.xxt[static_cast<std::size_t>(j)], all.mm(all.t())), 1e-13) << "group " << j;
    EXPECT_LT(rel_diff(sums.colsum[static_cast<std::size_t>(j)], all.sum(1)), 1e-13) << "group " << j;
  }
}

TEST(ParallelGram, WithOnesColumnIsTheGramOfTheAugmentedMatrix) {
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({13, 4}, torch::kFloat64);
  const torch::Tensor aug = torch::cat({x, torch::ones({13, 1}, torch::kFloat64)}, 1);
  const torch::Tensor got = with_ones_column(x.t().mm(x), x.sum(0), 13.0);
  EXPECT_LT(rel_diff(got, aug.t().mm(aug)), 1e-15);
}

}  // namespace
}  // namespace curvlab
