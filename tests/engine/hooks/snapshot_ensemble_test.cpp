// SnapshotEnsemble (engine/hooks/snapshot_ensemble.cpp) on its own: add() evaluates a model and the
// ensemble of all models added so far against softmax outputs averaged here in float64 over test
// splits that are not a multiple of the 1000-sample chunk (tolerances: 1e-12 on accuracies, exact
// counts; 1e-6 relative on losses, float32 logits); the model's mode is restored; snapshot files
// round-trip parameters and buffers (batch norm too) and refuse another architecture; the path format.
#include "engine/hooks/snapshot_ensemble.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/run_files.h"

namespace curvlab {
namespace {

Dataset test_split(std::int64_t n, std::int64_t classes) {
  Dataset d;
  d.name = "test";
  d.inputs = torch::randn({n, 1, 4, 4});
  d.targets = torch::randint(classes, {n}, torch::kInt64);
  d.num_classes = classes;
  return d;
}

Net mlp(std::uint64_t seed) {
  torch::manual_seed(seed);
  ModelOptions o;
  o.name = "mlp";
  o.widths = {8};
  return make_model(o, {1, 4, 4}, 3);
}

TEST(SnapshotEnsemble, AddEvaluatesTheModelAndTheAveragedSoftmax) {
  torch::manual_seed(31);
  const Dataset test = test_split(2300, 3);  // 3 chunks: 1000, 1000, 300
  SnapshotEnsemble ensemble(test, std::make_shared<LocalCommunicator>());
  EXPECT_EQ(ensemble.size(), 0);
  torch::Tensor sum = torch::zeros({2300, 3}, torch::kFloat64);
  for (int k = 0; k < 3; ++k) {
    SCOPED_TRACE("snapshot " + std::to_string(k));
    Net m = mlp(40 + k);
    m->train();
    const EnsembleEval e = ensemble.add(*m);
    EXPECT_TRUE(m->is_training()) << "add() must switch the model back to train mode";
    torch::Tensor p;
    {
      torch::NoGradGuard g;
      m->eval();
      p = torch::softmax(m->forward(test.inputs).to(torch::kFloat64), 1);
    }
    sum += p;
    const torch::Tensor mean = sum / (k + 1.0);
    const torch::Tensor y = test.targets.unsqueeze(1);
    const double loss = -p.gather(1, y).log().mean().item<double>();
    const double acc = p.argmax(1).eq(test.targets).sum().item<double>() / 2300;
    const double ens_loss = -mean.gather(1, y).log().mean().item<double>();
    const double ens_acc = mean.argmax(1).eq(test.targets).sum().item<double>() / 2300;
    EXPECT_EQ(e.ensemble_size, k + 1);
    EXPECT_NEAR(e.test_loss, loss, 1e-6 * loss);
    EXPECT_NEAR(e.test_accuracy, acc, 1e-12);
    EXPECT_NEAR(e.ensemble_loss, ens_loss, 1e-6 * ens_loss) << "max diff " << std::abs(e.ensemble_loss - ens_loss);
    EXPECT_NEAR(e.ensemble_accuracy, ens_acc, 1e-12);
  }
  EXPECT_EQ(ensemble.size(), 3);
}

TEST(SnapshotEnsemble, SnapshotFilesRoundTripAndRefuseAnotherModel) {
  const std::string dir = test_util::temp_dir("snapshot_ensemble_test", "files");
  std::filesystem::create_directories(dir + "/snapshots");
  EXPECT_EQ(SnapshotEnsemble::snapshot_path(dir, 3), dir + "/snapshots/snapshot_0003.h5");
  EXPECT_EQ(SnapshotEnsemble::snapshot_path("r", 12345), "r/snapshots/snapshot_12345.h5");
  // A model with batch norm: buffers (running statistics) travel too.
  torch::manual_seed(5);
  ModelOptions res;
  res.name = "resnet20";
  Net a = make_model(res, {3, 8, 8}, 4);
  a->train();
  {
    torch::NoGradGuard g;
    a->forward(torch::randn({4, 3, 8, 8}));  // moves the running statistics
  }
  const std::string path = SnapshotEnsemble::snapshot_path(dir, 0);
  SnapshotEnsemble::save_snapshot(*a, path, {{"kind", "snapshot"}, {"cycle", "0"}});
  EXPECT_EQ(read_state_attributes(path).at("cycle"), "0");
  torch::manual_seed(6);
  Net b = make_model(res, {3, 8, 8}, 4);
  SnapshotEnsemble::load_snapshot(*b, path);
  for (const auto& kv : a->named_parameters()) EXPECT_TRUE(torch::equal(kv.value(), b->named_parameters()[kv.key()])) << kv.key();
  for (const auto& kv : a->named_buffers()) EXPECT_TRUE(torch::equal(kv.value(), b->named_buffers()[kv.key()])) << kv.key();
  Net other = mlp(1);
  ModelOptions wide;
  wide.name = "mlp";
  wide.widths = {9};
  SnapshotEnsemble::save_snapshot(*other, dir + "/mlp8.h5", {});
  Net nine = make_model(wide, {1, 4, 4}, 3);
  try {
    SnapshotEnsemble::load_snapshot(*nine, dir + "/mlp8.h5");
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("the snapshot belongs to another model"), std::string::npos) << e.what();
  }
  EXPECT_THROW(SnapshotEnsemble::load_snapshot(*mlp(1), path), IoError);  // no model/fc1.weight in a resnet file
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
