// SyncableBatchNorm2d (engine/models/batchnorm.cpp). Unsynchronised it must equal
// torch::nn::BatchNorm2d (same parameters, buffers, outputs, gradients and running statistics;
// exact, it calls the same kernel). Synchronised, it is checked with a communicator of W mirrored
// ranks (every rank holds the same slice, so an allreduce sum is W times the local value): the
// global batch is the slice repeated W times, so the output, the input gradient this rank returns
// (dL/dx of the global loss divided by this rank's weight 1/W) and the weight/bias gradients equal
// the local layer's in float32 within 1e-5, and the running variance uses the global count's
// unbiasing factor (W n)/(W n - 1), computed here by hand.
#include "engine/models/batchnorm.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/error.h"
#include "comm/communicator.h"
#include "engine/mirrored_ranks.h"
#include "engine/models/model.h"

namespace curvlab {
namespace {

using test_util::MirroredRanks;

struct Pair {
  SyncableBatchNorm2d ours{nullptr};
  torch::nn::BatchNorm2d ref{nullptr};
};

Pair make_pair(std::int64_t c) {
  Pair p{SyncableBatchNorm2d(c), torch::nn::BatchNorm2d(c)};
  torch::NoGradGuard g;
  p.ours->weight.copy_(torch::rand({c}) + 0.5);
  p.ours->bias.copy_(torch::randn({c}));
  p.ref->weight.copy_(p.ours->weight);
  p.ref->bias.copy_(p.ours->bias);
  return p;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(SyncableBatchNorm2d, NamesAndDefaultsAreTorchs) {
  SyncableBatchNorm2d ours(5);
  torch::nn::BatchNorm2d ref(5);
  EXPECT_EQ(ours->named_parameters().keys(), ref->named_parameters().keys());
  EXPECT_EQ(ours->named_buffers().keys(), ref->named_buffers().keys());
  for (const auto& kv : ref->named_buffers()) EXPECT_TRUE(torch::equal(ours->named_buffers()[kv.key()], kv.value())) << kv.key();
  for (const auto& kv : ref->named_parameters()) EXPECT_TRUE(torch::equal(ours->named_parameters()[kv.key()], kv.value())) << kv.key();
  EXPECT_DOUBLE_EQ(ours->eps, 1e-5);
  EXPECT_DOUBLE_EQ(ours->momentum, 0.1);
  EXPECT_THROW(ours->forward(torch::randn({2, 5})), ConfigError);  // [B, C, H, W] only
}

TEST(SyncableBatchNorm2d, UnsynchronisedEqualsTorchBatchNorm) {
  torch::manual_seed(21);
  Pair p = make_pair(3);
  for (int step = 0; step < 3; ++step) {
    const torch::Tensor x = torch::randn({4, 3, 5, 6}) * 2 + 1;
    const torch::Tensor r = torch::randn({4, 3, 5, 6});
    const torch::Tensor xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
    const torch::Tensor ya = p.ours->forward(xa), yb = p.ref->forward(xb);
    EXPECT_TRUE(torch::equal(ya, yb)) << "step " << step << " max diff " << max_diff(ya, yb);
    (ya * r).sum().backward();
    (yb * r).sum().backward();
    EXPECT_TRUE(torch::equal(xa.grad(), xb.grad()));
    EXPECT_TRUE(torch::equal(p.ours->weight.grad(), p.ref->weight.grad()));
    EXPECT_TRUE(torch::equal(p.ours->bias.grad(), p.ref->bias.grad()));
    EXPECT_TRUE(torch::equal(p.ours->running_mean, p.ref->running_mean));
    EXPECT_TRUE(torch::equal(p.ours->running_var, p.ref->running_var));
  }
  EXPECT_EQ(p.ours->num_batches_tracked.item<std::int64_t>(), 3);
  p.ours->eval();
  p.ref->eval();
  const torch::Tensor x = torch::randn({2, 3, 4, 4});
  EXPECT_TRUE(torch::equal(p.ours->forward(x), p.ref->forward(x)));
  EXPECT_EQ(p.ours->num_batches_tracked.item<std::int64_t>(), 3);  // eval does not count
}

TEST(SyncableBatchNorm2d, SynchronisedWithMirroredRanksEqualsTheLocalBatch) {
  for (int world : {2, 3}) {
    SCOPED_TRACE("world " + std::to_string(world));
    torch::manual_seed(22);
    Pair p = make_pair(4);
    auto comm = std::make_shared<MirroredRanks>(world);
    p.ours->sync_comm = comm;
    const torch::Tensor x = torch::randn({3, 4, 2, 5}) * 3 - 1;
    const torch::Tensor r = torch::randn({3, 4, 2, 5});
    const torch::Tensor xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
    const torch::Tensor ya = p.ours->forward(xa), yb = p.ref->forward(xb);
    EXPECT_LT(max_diff(ya, yb), 1e-5) << "output max diff " << max_diff(ya, yb);
    (ya * r).sum().backward();
    (yb * r).sum().backward();
    EXPECT_LT(max_diff(xa.grad(), xb.grad()), 1e-5) << "input gradient max diff " << max_diff(xa.grad(), xb.grad());
    EXPECT_LT(max_diff(p.ours->weight.grad(), p.ref->weight.grad()), 1e-5);
    EXPECT_LT(max_diff(p.ours->bias.grad(), p.ref->bias.grad()), 1e-5);
    EXPECT_EQ(comm->allreduces, 2);  // one in forward (sums, squares, count), one in backward
    // Running statistics: mean as locally; variance unbiased with the global count m = W * 3 * 2 * 5.
    const torch::Tensor xd = x.to(torch::kFloat64);
    const torch::Tensor mean = xd.mean({0, 2, 3});
    const torch::Tensor var = xd.var({0, 2, 3}, /*unbiased=*/false);
    const double m = world * 30.0;
    const torch::Tensor expected_mean = 0.1 * mean;
    const torch::Tensor expected_var = 0.9 + 0.1 * var * (m / (m - 1));
    EXPECT_LT(max_diff(p.ours->running_mean.to(torch::kFloat64), expected_mean), 1e-6);
    EXPECT_LT(max_diff(p.ours->running_var.to(torch::kFloat64), expected_var), 1e-6)
        << "running_var max diff " << max_diff(p.ours->running_var.to(torch::kFloat64), expected_var);
    // A rank without samples cannot take part.
    EXPECT_THROW(p.ours->forward(torch::zeros({0, 4, 2, 5})), ConfigError);
  }
}

TEST(SyncableBatchNorm2d, SetSyncBatchnormSwitchesEveryLayer) {
  auto resnet = make_model(ModelOptions{"resnet20"}, {3, 8, 8}, 10);
  auto comm = std::make_shared<MirroredRanks>(2);
  EXPECT_EQ(set_sync_batchnorm(*resnet, comm), 19);  // bn1 + 2 per block x 9 blocks
  int synced = 0;
  for (const auto& m : resnet->modules()) {
    if (auto* bn = dynamic_cast<SyncableBatchNorm2dImpl*>(m.get())) synced += bn->sync_comm == comm;
  }
  EXPECT_EQ(synced, 19);
  EXPECT_EQ(set_sync_batchnorm(*resnet, nullptr), 19);
  auto mlp = make_model(ModelOptions{"mlp"}, {1, 4, 4}, 3);
  EXPECT_EQ(set_sync_batchnorm(*mlp, comm), 0);
  std::ostringstream text;
  SyncableBatchNorm2d bn(2);
  bn->sync_comm = comm;
  bn->pretty_print(text);
  EXPECT_EQ(text.str(), "curvlab::SyncableBatchNorm2d(2, eps=1e-05, momentum=0.1, synchronized)");
}

}  // namespace
}  // namespace curvlab
