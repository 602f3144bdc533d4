// Tests of algorithms/kfac/kfac_assignment.cpp: the greedy longest-processing-time assignment of
// decompositions worked out by hand (costs a^3 + g^3, ties to the lower block and the lower rank),
// the grad-worker sets for every grad_worker_fraction (owner and the next g - 1 ranks, mod N),
// and the range checks.
#include "algorithms/kfac/kfac_assignment.h"

#include <gtest/gtest.h>

#include "base/error.h"

using namespace curvlab;

TEST(KfacAssignment, GreedyLongestProcessingTime) {
  // costs a^3 + g^3: 1001, 16, 2000, 1001, 128
  const std::vector<std::pair<int64_t, int64_t>> dims = {{10, 1}, {2, 2}, {10, 10}, {1, 10}, {4, 4}};
  auto one = assign_kfac_work(dims, 1, 1.0);
  EXPECT_EQ(one.owner, (std::vector<int>{0, 0, 0, 0, 0}));
  auto two = assign_kfac_work(dims, 2, 1.0);
  // order: 2000 (r0), 1001 #0 (r1), 1001 #3 (r1: 1001 < 2000), 128 (r0: 2000 < 2002), 16 (r1: 2002 < 2128)
  EXPECT_EQ(two.owner, (std::vector<int>{1, 1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(two.load[0], 2128);
  EXPECT_DOUBLE_EQ(two.load[1], 2018);
  auto three = assign_kfac_work(dims, 3, 0.0);
  EXPECT_EQ(three.owner, (std::vector<int>{1, 2, 0, 2, 1}));
  EXPECT_EQ(three.grad_workers, 1);
  EXPECT_TRUE(three.is_grad_worker(3, 2));
  EXPECT_FALSE(three.is_grad_worker(3, 0));
  auto hybrid = assign_kfac_work(dims, 4, 0.5);
  EXPECT_EQ(hybrid.grad_workers, 2);
  // block 2 is owned by rank 0: grad workers 0 and 1; block 3 (owner 2): 2 and 3.
  EXPECT_TRUE(hybrid.is_grad_worker(2, 1));
  EXPECT_FALSE(hybrid.is_grad_worker(2, 3));
  EXPECT_EQ(hybrid.owner[3], 2);
  EXPECT_TRUE(hybrid.is_grad_worker(3, 3));
  auto comm_opt = assign_kfac_work(dims, 4, 1.0);
  for (int r = 0; r < 4; ++r) EXPECT_TRUE(comm_opt.is_grad_worker(0, r));
}

TEST(KfacAssignment, TiesGoToTheLowerBlockAndTheLowerRank) {
  // Four equal blocks (cost 16 each) over 3 ranks: blocks 0, 1, 2 to ranks 0, 1, 2, block 3 to rank 0.
  const std::vector<std::pair<int64_t, int64_t>> dims = {{2, 2}, {2, 2}, {2, 2}, {2, 2}};
  const auto a = assign_kfac_work(dims, 3, 1.0);
  EXPECT_EQ(a.owner, (std::vector<int>{0, 1, 2, 0}));
  EXPECT_EQ(a.load, (std::vector<double>{32, 16, 16}));
  EXPECT_EQ(a.world, 3);
  // More ranks than blocks: the extra ranks own nothing.
  const auto wide = assign_kfac_work({{3, 1}}, 4, 0.0);
  EXPECT_EQ(wide.owner, (std::vector<int>{0}));
  EXPECT_EQ(wide.load, (std::vector<double>{28, 0, 0, 0}));
  EXPECT_TRUE(assign_kfac_work({}, 2, 0.5).owner.empty());
}

TEST(KfacAssignment, GradWorkersAreTheOwnerAndTheNextRanksModN) {
  // One block owned by rank 0 of 5; g = clamp(round(fraction * 5), 1, 5).
  const std::vector<std::pair<int64_t, int64_t>> dims = {{4, 4}};
  for (const auto& [fraction, g] : std::vector<std::pair<double, int>>{
           {0.0, 1}, {0.1, 1}, {0.3, 2}, {0.5, 3}, {0.7, 4}, {1.0, 5}}) {
    const auto a = assign_kfac_work(dims, 5, fraction);
    EXPECT_EQ(a.grad_workers, g) << fraction;
    for (int r = 0; r < 5; ++r) EXPECT_EQ(a.is_grad_worker(0, r), r < g) << fraction << " rank " << r;
  }
  // Wrapping around: a block owned by the last rank of 4 with g = 2 has workers 3 and 0.
  const auto b = assign_kfac_work({{1, 1}, {1, 1}, {1, 1}, {9, 9}}, 4, 0.5);
  EXPECT_EQ(b.owner[3], 0);  // the largest block is placed first, on rank 0
  EXPECT_EQ(b.owner[2], 3);
  EXPECT_TRUE(b.is_grad_worker(2, 3));
  EXPECT_TRUE(b.is_grad_worker(2, 0));
  EXPECT_FALSE(b.is_grad_worker(2, 1));
  EXPECT_FALSE(b.is_grad_worker(2, 2));
}

TEST(KfacAssignment, RangesAreChecked) {
  EXPECT_THROW(assign_kfac_work({{1, 1}}, 0, 0.5), ConfigError);
  EXPECT_THROW(assign_kfac_work({{1, 1}}, 2, -0.1), ConfigError);
  EXPECT_THROW(assign_kfac_work({{1, 1}}, 2, 1.5), ConfigError);
}
