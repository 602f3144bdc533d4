// Tests of comm/tensor_pack.h: dtype groups in first-appearance order (with a key that merges
// dtypes), pack/unpack round trips that are bitwise exact for contiguous and non-contiguous
// tensors (transposed, strided slices, expanded-then-cloned, 0-d, empty), packing into the front of
// a larger buffer with a dtype conversion, and the fusion-bucket boundaries (a bucket closes at the
// tensor that reaches the cap, and at the end).
#include "comm/tensor_pack.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <utility>
#include <vector>

namespace curvlab {
namespace {

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

// Tensors of several layouts, all float64 with distinct values.
std::vector<torch::Tensor> mixed_layouts() {
  const auto base = torch::arange(60, torch::kFloat64).reshape({6, 10});
  std::vector<torch::Tensor> t;
  t.push_back(torch::arange(5, torch::kFloat64) + 100);                     // contiguous 1-D
  t.push_back(base.t());                                                    // transposed [10, 6]
  t.push_back(base.slice(1, 0, 10, 3));                                     // strided columns [6, 4]
  t.push_back(torch::full({}, 7.5, torch::kFloat64));                       // 0-d
  t.push_back(torch::empty({0, 3}, torch::kFloat64));                       // empty
  t.push_back(base.select(1, 4));                                           // a column, stride 10
  return t;
}

TEST(TensorPack, GroupByDtypeKeepsFirstAppearanceAndListOrder) {
  const std::vector<torch::Tensor> t = {torch::zeros({2}, torch::kFloat32), torch::zeros({1}, torch::kInt64),
                                        torch::zeros({3}, torch::kFloat32), torch::zeros({1}, torch::kFloat64),
                                        torch::zeros({1}, torch::kInt64)};
  const auto g = group_by_dtype(t, [](torch::ScalarType s) { return s; });
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].first, torch::kFloat32);
  EXPECT_EQ(g[0].second, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(g[1].first, torch::kInt64);
  EXPECT_EQ(g[1].second, (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(g[2].first, torch::kFloat64);
  EXPECT_EQ(g[2].second, (std::vector<std::size_t>{3}));
  // A key that maps every floating type to float64 (e.g. a wire type) merges their groups.
  const auto merged = group_by_dtype(t, [](torch::ScalarType s) {
    return c10::isFloatingType(s) ? torch::kFloat64 : s;
  });
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].first, torch::kFloat64);
  EXPECT_EQ(merged[0].second, (std::vector<std::size_t>{0, 2, 3}));
  EXPECT_TRUE(group_by_dtype({}, [](torch::ScalarType s) { return s; }).empty());
}

TEST(TensorPack, PackUnpackRoundTripIsExactForNonContiguousTensors) {
  const std::vector<torch::Tensor> src = mixed_layouts();
  ASSERT_FALSE(src[1].is_contiguous());
  ASSERT_FALSE(src[2].is_contiguous());
  ASSERT_FALSE(src[5].is_contiguous());
  const torch::Tensor flat = pack(src);
  std::int64_t n = 0;
  for (const auto& t : src) n += t.numel();
  ASSERT_EQ(flat.dim(), 1);
  ASSERT_EQ(flat.numel(), n);
  // Independent layout: each tensor's elements in its logical (row-major) order, one after another.
  std::vector<double> want;
  for (const auto& t : src) {
    const auto c = t.contiguous().reshape({-1});
    for (std::int64_t i = 0; i < c.numel(); ++i) want.push_back(c[i].item<double>());
  }
  ASSERT_EQ(static_cast<std::size_t>(flat.numel()), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) ASSERT_EQ(flat[static_cast<std::int64_t>(i)].item<double>(), want[i]) << i;
  // Unpack into tensors of the same layouts (views into fresh storage): bitwise equal to the source.
  auto storage = torch::zeros({6, 10}, torch::kFloat64);
  std::vector<torch::Tensor> dst = {torch::zeros({5}, torch::kFloat64), torch::zeros({6, 10}, torch::kFloat64).t(),
                                    storage.slice(1, 0, 10, 3), torch::zeros({}, torch::kFloat64),
                                    torch::empty({0, 3}, torch::kFloat64), storage.select(1, 4)};
  unpack(flat * 1, dst);
  for (std::size_t i = 0; i < src.size(); ++i) {
    EXPECT_TRUE(torch::equal(dst[i], src[i])) << "tensor " << i;
    EXPECT_EQ(dst[i].sizes(), src[i].sizes()) << "tensor " << i;
  }
  // Writes through the views: storage columns 0,3,6,9 and 4 hold the source values, the rest 0.
  const auto base = torch::arange(60, torch::kFloat64).reshape({6, 10});
  for (std::int64_t c = 0; c < 10; ++c) {
    const bool written = c % 3 == 0 || c == 4;
    EXPECT_TRUE(torch::equal(storage.select(1, c), written ? base.select(1, c) : torch::zeros({6}, torch::kFloat64)))
        << "column " << c;
  }
}

TEST(TensorPack, PackIntoTheFrontOfABufferWithConversion) {
  const std::vector<torch::Tensor> t = {torch::tensor({1.5f, -2.0f}), torch::tensor({{3, 4}, {5, 6}}, torch::kInt64).t(),
                                        torch::tensor({9.25f})};
  const std::vector<std::size_t> members = {2, 0};  // the order given, not list order
  EXPECT_EQ(total_numel(t, members), 3);
  EXPECT_EQ(total_numel(t, {0, 1, 2}), 7);
  auto flat = torch::full({8}, -1.0, torch::kFloat64);  // larger than needed; float64 wire type
  EXPECT_EQ(pack_into(t, members, flat), 3);
  EXPECT_TRUE(torch::equal(flat, torch::tensor({9.25, 1.5, -2.0, -1.0, -1.0, -1.0, -1.0, -1.0}, torch::kFloat64)));
  flat.slice(0, 0, 3).mul_(2);
  std::vector<torch::Tensor> back = t;
  unpack_from(flat, back, members);
  EXPECT_TRUE(torch::equal(back[2], torch::tensor({18.5f})));
  EXPECT_TRUE(torch::equal(back[0], torch::tensor({3.0f, -4.0f})));
  EXPECT_EQ(back[0].scalar_type(), torch::kFloat32);  // the target keeps its dtype
  // The int tensor (not a member) is untouched; packing the transposed one follows its logical order.
  auto ints = torch::zeros({4}, torch::kFloat64);
  EXPECT_EQ(pack_into(t, {1}, ints), 4);
  EXPECT_TRUE(torch::equal(ints, torch::tensor({3.0, 5.0, 4.0, 6.0}, torch::kFloat64)));
}

TEST(TensorPack, BucketRangesCloseAtTheTensorThatReachesTheCap) {
  // float32 tensors of 10, 10, 30, 5, 5, 100 elements = 40, 40, 120, 20, 20, 400 bytes.
  std::vector<torch::Tensor> t;
  for (std::int64_t n : {10, 10, 30, 5, 5, 100}) t.push_back(torch::zeros({n}, torch::kFloat32));
  // Cap 80: 40+40 = 80 reaches it (>=) -> [0,2); 120 -> [2,3); 20+20+400 -> [3,6).
  EXPECT_EQ(bucket_ranges(t, 80), (Ranges{{0, 2}, {2, 3}, {3, 6}}));
  // Cap 81: 40+40+120 -> [0,3); 20+20+400 -> [3,6).
  EXPECT_EQ(bucket_ranges(t, 81), (Ranges{{0, 3}, {3, 6}}));
  // Cap 0 (or below one tensor): one bucket per tensor.
  EXPECT_EQ(bucket_ranges(t, 0), (Ranges{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}}));
  // A huge cap: one bucket, closed by the end of the list.
  EXPECT_EQ(bucket_ranges(t, 1e12), (Ranges{{0, 6}}));
  EXPECT_TRUE(bucket_ranges({}, 80).empty());
  // Bytes, not elements: 10 float64 = 80 bytes reach a cap of 80 alone.
  EXPECT_EQ(bucket_ranges({torch::zeros({10}, torch::kFloat64), torch::zeros({1}, torch::kFloat64)}, 80),
            (Ranges{{0, 1}, {1, 2}}));
  // Every element is in exactly one bucket, in order.
  for (double cap : {1.0, 50.0, 130.0, 500.0}) {
    const Ranges r = bucket_ranges(t, cap);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r.front().first, 0u);
    EXPECT_EQ(r.back().second, t.size());
    for (std::size_t i = 1; i < r.size(); ++i) EXPECT_EQ(r[i].first, r[i - 1].second) << "cap " << cap;
  }
}

}  // namespace
}  // namespace curvlab
