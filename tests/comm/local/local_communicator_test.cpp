// Tests of the single-process backend: every collective is the identity (or a copy). The helpers it
// inherits (allreduce_scalar, broadcast_string) are tested in tests/comm/communicator_test.cpp.
#include "comm/local/local_communicator.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

TEST(LocalCommunicator, WorldIsOneRank) {
  LocalCommunicator c;
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.local_rank(), 0);
  EXPECT_EQ(c.local_size(), 1);
  EXPECT_EQ(c.backend(), "local");
  EXPECT_FALSE(c.host().empty());
  c.barrier();
}

TEST(LocalCommunicator, AllreduceAndBroadcastLeaveTensorsUnchanged) {
  LocalCommunicator c;
  auto a = torch::arange(6, torch::kFloat64).view({2, 3});
  auto b = torch::arange(4, torch::kInt64);
  auto a0 = a.clone(), b0 = b.clone();
  for (auto op : {ReduceOp::kSum, ReduceOp::kAverage, ReduceOp::kMax, ReduceOp::kMin}) {
    auto w = c.allreduce_async({a, b}, op);
    EXPECT_TRUE(w->is_completed());
    w->wait();
  }
  c.broadcast({a, b}, 0);
  EXPECT_TRUE(torch::equal(a, a0));
  EXPECT_TRUE(torch::equal(b, b0));
  EXPECT_THROW(c.broadcast({a}, 1), CommError);
}

TEST(LocalCommunicator, AllgatherReturnsACopyAndReduceScatterCopies) {
  LocalCommunicator c;
  auto x = torch::arange(5, torch::kFloat32);
  auto out = c.allgather(x);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(torch::equal(out[0], x));
  EXPECT_NE(out[0].data_ptr(), x.data_ptr());
  auto y = torch::zeros({5}, torch::kFloat32);
  c.reduce_scatter(x, y, ReduceOp::kSum);
  EXPECT_TRUE(torch::equal(x, y));
  EXPECT_THROW(c.reduce_scatter(x, torch::zeros({4}), ReduceOp::kSum), CommError);
}

}  // namespace
}  // namespace curvlab
