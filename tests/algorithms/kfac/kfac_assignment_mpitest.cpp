// The K-FAC work assignment under mpirun (1-4 ranks, algorithms/kfac/kfac_assignment.cpp): on
// ResNet-32's 32 K-FAC blocks every rank derives the same owners without communicating (checked by
// an allgather), every rank owns work, and the LPT loads differ by at most the largest block.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "algorithms/kfac/kfac_preconditioner.h"
#include "engine/models/model.h"
#include "mpi_test_world.h"

using namespace curvlab;

TEST(KfacMpiAssignment, EveryRankAgreesAndLoadIsBalanced) {
  auto world = testing_mpi::world();
  ModelOptions ms;
  ms.name = "resnet32";
  torch::manual_seed(0);
  Net model = make_model(ms, {3, 32, 32}, 10);
  KfacOptions ks;
  ks.grad_worker_fraction = 0.5;
  KfacPreconditioner kfac(ks, *model, world);
  const auto& as = kfac.assignment();
  EXPECT_EQ(kfac.blocks().size(), 32u);  // 31 convolutions + the final linear layer
  auto mine = torch::tensor(std::vector<int64_t>(as.owner.begin(), as.owner.end()), torch::kInt64);
  auto all = world->allgather(mine);
  for (int r = 0; r < world->size(); ++r) {
    EXPECT_TRUE(torch::equal(all[static_cast<size_t>(r)], all[0])) << "rank " << r << " disagrees";
  }
  // Every rank owns work, and LPT keeps the largest load within the largest block of the smallest.
  double max_block = 0;
  for (const auto& blk : kfac.blocks()) {
    const double a = static_cast<double>(kfac.layers()[blk.layer].a_dim());
    const double g = static_cast<double>(kfac.layers()[blk.layer].g_dim());
    max_block = std::max(max_block, a * a * a + g * g * g);
  }
  const auto [lo, hi] = std::minmax_element(as.load.begin(), as.load.end());
  EXPECT_GT(*lo, 0.0);
  EXPECT_LE(*hi - *lo, max_block);
}
