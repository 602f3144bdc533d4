// GradReducer under mpirun: each rank takes an uneven slice of a fixed global batch, the reducer
// (with several small buckets) combines the weighted gradients, and every parameter's gradient
// must equal the 1-process full-batch gradient that each rank computes independently.
// Tolerance: 1e-6 relative (max |g - g_ref| / max |g_ref|) in float64, 1e-5 in float32.
#include <gtest/gtest.h>
#include <torch/nn.h>

#include <numeric>

#include "comm/reducer.h"
#include "base/error.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace {

using testing_mpi::world;

// fc1: 5 -> 7, fc2: 7 -> 3 and a parameter the forward never uses (registered first, so it
// lands in the last bucket and the other buckets launch during backward).
struct Net {
  torch::Tensor unused;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  explicit Net(torch::ScalarType dtype) {
    torch::manual_seed(3);
    unused = torch::ones({4}, dtype).requires_grad_();
    fc1 = torch::nn::Linear(5, 7);
    fc2 = torch::nn::Linear(7, 3);
    fc1->to(dtype);
    fc2->to(dtype);
  }
  std::vector<std::pair<std::string, torch::Tensor>> params() {
    return {{"unused", unused}, {"fc1.weight", fc1->weight}, {"fc1.bias", fc1->bias},
            {"fc2.weight", fc2->weight}, {"fc2.bias", fc2->bias}};
  }
  // x: [B, 5], y: [B, 3] -> mean over B of the squared error (scalar)
  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& y) {
    return (fc2->forward(torch::tanh(fc1->forward(x))) - y).pow(2).sum(1).mean();
  }
};

// This rank's [begin, end) of a global batch of `global` samples split by `counts`.
std::pair<int64_t, int64_t> my_slice(const std::vector<int64_t>& counts, int rank) {
  int64_t begin = 0;
  for (int q = 0; q < rank; ++q) begin += counts[q];
  return {begin, begin + counts[rank]};
}

double rel_diff(const torch::Tensor& got, const torch::Tensor& ref) {
  double scale = std::max(ref.abs().max().item<double>(), 1e-300);
  return (got - ref).abs().max().item<double>() / scale;
}

// Runs `steps` reduced SGD steps; after each, compares every gradient with the full-batch one.
void check_against_full_batch(const std::vector<int64_t>& counts, torch::ScalarType dtype, double tol, int steps) {
  auto comm = world();
  const int rank = comm->rank();
  const int64_t global = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  Net net(dtype), ref(dtype);
  // Perturb the non-root copies, then broadcast rank 0's parameters (what training does at start).
  if (rank != 0) {
    torch::NoGradGuard no_grad;
    for (auto& [name, p] : net.params()) p.add_(rank);
  }
  std::vector<torch::Tensor> tensors;
  for (auto& [name, p] : net.params()) tensors.push_back(p);
  comm->broadcast(tensors, 0);
  for (size_t i = 0; i < tensors.size(); ++i) EXPECT_TRUE(torch::equal(tensors[i], ref.params()[i].second));

  ReducerOptions opts;
  opts.first_bucket_mb = 60.0 / (1024 * 1024);
  opts.bucket_mb = 230.0 / (1024 * 1024);
  GradReducer reducer(comm, net.params(), opts);
  const auto layout = reducer.bucket_layout();
  EXPECT_GE(layout.size(), 3u);
  std::string mine;
  for (const auto& b : layout) for (const auto& n : b) mine += n + ",";
  EXPECT_EQ(comm->broadcast_string(mine, 0), mine) << "bucket layouts differ between ranks";

  torch::manual_seed(11);
  auto x = torch::randn({global, 5}, dtype);
  auto y = torch::randn({global, 3}, dtype);
  auto [begin, end] = my_slice(counts, rank);
  for (int step = 0; step < steps; ++step) {
    reducer.prepare(static_cast<double>(end - begin) / static_cast<double>(global));
    if (end > begin) {
      net.loss(x.slice(0, begin, end), y.slice(0, begin, end)).backward();
      EXPECT_EQ(reducer.buckets_launched(), static_cast<int>(layout.size()) - 1)
          << "all buckets but the unused parameter's must launch during backward";
    }
    reducer.finalize();
    for (auto& [name, p] : ref.params()) p.mutable_grad() = torch::Tensor();
    ref.loss(x, y).backward();
    auto got = net.params(), want = ref.params();
    for (size_t i = 1; i < got.size(); ++i) {
      double d = rel_diff(got[i].second.grad(), want[i].second.grad());
      EXPECT_LE(d, tol) << got[i].first << " step " << step << ": relative max difference " << d;
    }
    EXPECT_EQ(net.unused.grad().abs().max().item<double>(), 0.0);
    torch::NoGradGuard no_grad;  // the same SGD step on both copies
    for (size_t i = 1; i < got.size(); ++i) {
      got[i].second.sub_(0.1 * want[i].second.grad());
      want[i].second.sub_(0.1 * want[i].second.grad());
    }
  }
}

// Global batch of `global` samples split as evenly as possible (slices differ by at most one).
std::vector<int64_t> uneven_counts(int64_t global, int size) {
  std::vector<int64_t> counts(size, global / size);
  for (int q = 0; q < global % size; ++q) ++counts[q];
  return counts;
}

TEST(MpiReducer, UnevenSlicesGiveTheFullBatchGradientFloat64) {
  check_against_full_batch(uneven_counts(11, world()->size()), torch::kFloat64, 1e-6, 3);
}

TEST(MpiReducer, UnevenSlicesGiveTheFullBatchGradientFloat32) {
  check_against_full_batch(uneven_counts(13, world()->size()), torch::kFloat32, 1e-5, 2);
}

TEST(MpiReducer, ARankWithoutSamples) {
  const int n = world()->size();
  std::vector<int64_t> counts(n, 2);
  if (n > 1) counts[n - 1] = 0;  // the last rank gets nothing (1 rank: a plain 2-sample batch)
  check_against_full_batch(counts, torch::kFloat64, 1e-6, 2);
}

}  // namespace
}  // namespace curvlab
