// Every MPI collective checked against the value each rank computes on its own from the
// formulas below (run under mpirun with 1, 2, 3 and 4 ranks). Rank r contributes
// (r + 1) * pattern(i), so with n ranks: sum = n(n+1)/2 * pattern, average = (n+1)/2 * pattern,
// max = n * pattern, min = pattern. All values are small integers: comparisons are exact.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cluster/launch_context.h"
#include "comm/mpi/mpi_communicator.h"
#include "base/error.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace {

using testing_mpi::world;

torch::Tensor pattern(int64_t n, torch::ScalarType dtype) {
  return (torch::arange(n, torch::kInt64).remainder(7) + 1).to(dtype);
}

torch::Tensor contribution(int rank, int64_t n, torch::ScalarType dtype) {
  return (pattern(n, torch::kInt64) * (rank + 1)).to(dtype);
}

torch::Tensor expected(ReduceOp op, int size, int64_t n, torch::ScalarType dtype) {
  auto p = pattern(n, torch::kFloat64);
  switch (op) {
    case ReduceOp::kSum: return (p * (size * (size + 1) / 2)).to(dtype);
    case ReduceOp::kAverage: return (p * ((size + 1) / 2.0)).to(dtype);
    case ReduceOp::kMax: return (p * size).to(dtype);
    case ReduceOp::kMin: return p.to(dtype);
  }
  return p;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.numel() == 0) return 0.0;
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

TEST(MpiCollectives, WorldInformationIsConsistent) {
  auto comm = world();
  EXPECT_EQ(comm->backend(), "mpi");
  auto ranks = comm->allgather(torch::full({1}, comm->rank(), torch::kInt64));
  EXPECT_EQ(static_cast<int>(ranks.size()), comm->size());
  for (int r = 0; r < comm->size(); ++r) EXPECT_EQ(ranks[r].item<int64_t>(), r);
  // One node: every rank is local, and local ranks are a permutation of 0..n-1.
  EXPECT_EQ(comm->local_size(), comm->size());
  auto locals = comm->allgather(torch::full({1}, comm->local_rank(), torch::kInt64));
  EXPECT_TRUE(std::get<0>(torch::cat(locals).sort()).equal(torch::arange(comm->size(), torch::kInt64)));
  EXPECT_FALSE(comm->host().empty());
  EXPECT_EQ(comm->broadcast_string(comm->host(), 0), comm->host());
  auto launch = detect_launch_context();
  EXPECT_EQ(launch.launcher, "mpirun");
  EXPECT_EQ(launch.env_rank, comm->rank());
  EXPECT_EQ(launch.env_size, comm->size());
}

TEST(MpiCollectives, AllreduceEveryOpAndDtype) {
  auto comm = world();
  const int n = comm->size(), r = comm->rank();
  const std::vector<torch::ScalarType> floats = {torch::kFloat32, torch::kFloat64, torch::kHalf, torch::kBFloat16};
  const std::vector<torch::ScalarType> ints = {torch::kInt64, torch::kInt32, torch::kUInt8, torch::kInt8};
  for (auto op : {ReduceOp::kSum, ReduceOp::kAverage, ReduceOp::kMax, ReduceOp::kMin}) {
    auto dtypes = floats;
    if (op != ReduceOp::kAverage) dtypes.insert(dtypes.end(), ints.begin(), ints.end());
    for (auto dt : dtypes) {
      auto t = contribution(r, 1000, dt);
      comm->allreduce({t}, op);
      auto want = expected(op, n, 1000, dt);
      EXPECT_EQ(t.scalar_type(), dt);
      EXPECT_EQ(max_diff(t, want), 0.0) << "op " << static_cast<int>(op) << " dtype " << dt;
    }
  }
}

TEST(MpiCollectives, FusedListOfShapesDtypesAndLayouts) {
  auto comm = world();
  const int n = comm->size(), r = comm->rank();
  auto a = contribution(r, 12, torch::kFloat32).view({3, 4});
  auto b = contribution(r, 5, torch::kFloat64);
  auto c = contribution(r, 8, torch::kFloat32).view({2, 4}).t();  // non-contiguous
  auto d = contribution(r, 7, torch::kInt64);
  auto e = contribution(r, 1, torch::kFloat32).squeeze();        // 0-dim
  auto f = torch::zeros({0}, torch::kFloat32);                      // empty
  auto g = contribution(r, 6, torch::kHalf).view({2, 3});
  comm->allreduce({a, b, c, d, e, f, g}, ReduceOp::kSum);
  EXPECT_EQ(max_diff(a, expected(ReduceOp::kSum, n, 12, torch::kFloat32).view({3, 4})), 0.0);
  EXPECT_EQ(max_diff(b, expected(ReduceOp::kSum, n, 5, torch::kFloat64)), 0.0);
  EXPECT_EQ(max_diff(c, expected(ReduceOp::kSum, n, 8, torch::kFloat32).view({2, 4}).t()), 0.0);
  EXPECT_EQ(max_diff(d, expected(ReduceOp::kSum, n, 7, torch::kInt64)), 0.0);
  EXPECT_EQ(max_diff(e, expected(ReduceOp::kSum, n, 1, torch::kFloat32).squeeze()), 0.0);
  EXPECT_EQ(f.numel(), 0);
  EXPECT_EQ(max_diff(g, expected(ReduceOp::kSum, n, 6, torch::kHalf).view({2, 3})), 0.0);
  // The same list again (the fusion buffers are reused) with average.
  auto a2 = contribution(r, 12, torch::kFloat32).view({3, 4});
  auto b2 = contribution(r, 5, torch::kFloat64);
  comm->allreduce({a2, b2}, ReduceOp::kAverage);
  EXPECT_EQ(max_diff(a2, expected(ReduceOp::kAverage, n, 12, torch::kFloat32).view({3, 4})), 0.0);
  EXPECT_EQ(max_diff(b2, expected(ReduceOp::kAverage, n, 5, torch::kFloat64)), 0.0);
}

TEST(MpiCollectives, BroadcastFromEveryRoot) {
  auto comm = world();
  const int r = comm->rank();
  for (int root = 0; root < comm->size(); ++root) {
    auto a = contribution(r, 9, torch::kFloat32).view({3, 3});
    auto b = contribution(r, 4, torch::kInt64);
    auto c = contribution(r, 5, torch::kUInt8);
    auto d = contribution(r, 6, torch::kFloat64).view({2, 3}).t();  // non-contiguous
    comm->broadcast({a, b, c, d}, root);
    EXPECT_EQ(max_diff(a, contribution(root, 9, torch::kFloat32).view({3, 3})), 0.0) << "root " << root;
    EXPECT_EQ(max_diff(b, contribution(root, 4, torch::kInt64)), 0.0) << "root " << root;
    EXPECT_EQ(max_diff(c, contribution(root, 5, torch::kUInt8)), 0.0) << "root " << root;
    EXPECT_EQ(max_diff(d, contribution(root, 6, torch::kFloat64).view({2, 3}).t()), 0.0) << "root " << root;
    auto single = contribution(r, 100, torch::kFloat64);
    comm->broadcast({single}, root);
    EXPECT_EQ(max_diff(single, contribution(root, 100, torch::kFloat64)), 0.0) << "root " << root;
  }
  const int last = comm->size() - 1;
  EXPECT_EQ(comm->broadcast_string("from rank " + std::to_string(r), last), "from rank " + std::to_string(last));
}

TEST(MpiCollectives, AllgatherOfDifferentlySizedTensors) {
  auto comm = world();
  const int r = comm->rank();
  // Rank q sends q rows of 3 (rank 0 sends none): values q*100 + 0..3q-1.
  auto mine = (torch::arange(3 * r, torch::kFloat64) + 100 * r).view({r, 3});
  auto out = comm->allgather(mine);
  EXPECT_EQ(static_cast<int>(out.size()), comm->size());
  for (int q = 0; q < static_cast<int>(out.size()); ++q) {
    EXPECT_EQ(out[q].sizes(), torch::IntArrayRef({q, 3})) << "from rank " << q;
    if (out[q].sizes() == torch::IntArrayRef({q, 3}))
      EXPECT_EQ(max_diff(out[q], (torch::arange(3 * q, torch::kFloat64) + 100 * q).view({q, 3})), 0.0);
  }
  auto scalars = comm->allgather(torch::full({}, 10 + r, torch::kInt32));
  for (int q = 0; q < static_cast<int>(scalars.size()); ++q) {
    EXPECT_EQ(scalars[q].dim(), 0);
    EXPECT_EQ(scalars[q].item<int>(), 10 + q);
  }
}

TEST(MpiCollectives, AllgatherShapeMismatchIsACommErrorOnEveryRank) {
  // On its own communicator: a failed collective leaves a communicator unusable.
  auto comm = std::make_shared<MpiCommunicator>();
  auto t = torch::zeros({2, comm->rank() == 0 ? 3 : 4});
  if (comm->size() > 1) EXPECT_THROW(comm->allgather(t), CommError);
  else EXPECT_NO_THROW(comm->allgather(t));
  if (comm->size() > 1) EXPECT_THROW(comm->barrier(), CommError);  // broken after the failure
}

TEST(MpiCollectives, ReduceScatter) {
  auto comm = world();
  const int n = comm->size(), r = comm->rank();
  const int64_t block = 5;
  for (auto op : {ReduceOp::kSum, ReduceOp::kAverage, ReduceOp::kMax}) {
    auto in = contribution(r, n * block, torch::kFloat64).view({n, block});
    auto out = torch::zeros({block}, torch::kFloat64);
    comm->reduce_scatter(in, out, op);
    auto want = expected(op, n, n * block, torch::kFloat64).narrow(0, r * block, block);
    EXPECT_EQ(max_diff(out, want), 0.0) << "op " << static_cast<int>(op);
  }
  auto in = contribution(r, n * 6, torch::kInt64);
  auto out = torch::zeros({3, 2}, torch::kInt64).t();  // non-contiguous [2, 3] output
  comm->reduce_scatter(in, out, ReduceOp::kSum);
  EXPECT_EQ(max_diff(out, expected(ReduceOp::kSum, n, n * 6, torch::kInt64).narrow(0, r * 6, 6).view({2, 3})), 0.0);
  EXPECT_THROW(comm->reduce_scatter(torch::zeros({n * 6 + 1}), torch::zeros({6}), ReduceOp::kSum), CommError);
}

TEST(MpiCollectives, AsyncOpsReturnAtOnceAndCompleteInOrder) {
  auto comm = world();
  const int n = comm->size(), r = comm->rank();
  // Rank 0 issues first; the others join 300 ms later, so rank 0's calls cannot have finished.
  if (r != 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto t0 = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> ts;
  std::vector<WorkPtr> works;
  for (int k = 0; k < 4; ++k) {
    ts.push_back(contribution(r, 100000, torch::kFloat32) * (k + 1));
    works.push_back(comm->allreduce_async({ts.back()}, ReduceOp::kSum));
  }
  auto issue_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (r == 0 && n > 1) {
    EXPECT_LT(issue_ms, 150.0) << "allreduce_async must not block";
    EXPECT_FALSE(works.back()->is_completed());
  }
  // Overlap: compute while the collectives run.
  auto m = torch::randn({200, 200});
  for (int i = 0; i < 5; ++i) m = torch::tanh(m.mm(m) * 1e-2);
  for (int k = 3; k >= 0; --k) works[k]->wait();
  for (int k = 0; k < 4; ++k) {
    EXPECT_TRUE(works[k]->is_completed());
    EXPECT_EQ(max_diff(ts[k], expected(ReduceOp::kSum, n, 100000, torch::kFloat32) * (k + 1)), 0.0) << k;
  }
}

TEST(MpiCollectives, BarrierWaitsForTheSlowestRank) {
  auto comm = world();
  if (comm->rank() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto t0 = std::chrono::steady_clock::now();
  comm->barrier();
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (comm->rank() != 0) EXPECT_GE(ms, 150.0);
  EXPECT_DOUBLE_EQ(comm->allreduce_scalar(comm->rank(), ReduceOp::kMax), comm->size() - 1);
}

TEST(MpiCollectives, InvalidCallsFailBeforeAnyCommunication) {
  auto comm = world();
  EXPECT_THROW(comm->allreduce({torch::ones({3}, torch::kInt64)}, ReduceOp::kAverage), CommError);
  EXPECT_THROW(comm->allreduce({torch::ones({3}, torch::kBool)}, ReduceOp::kSum), CommError);
  EXPECT_THROW(comm->broadcast({torch::ones({3})}, comm->size()), CommError);
  EXPECT_THROW(comm->allreduce({torch::Tensor()}, ReduceOp::kSum), CommError);
  // The communicator is still healthy.
  auto t = torch::ones({3});
  comm->allreduce({t}, ReduceOp::kSum);
  EXPECT_EQ(t[0].item<float>(), comm->size());
}

}  // namespace
}  // namespace curvlab
