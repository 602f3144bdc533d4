// The K-FAC hook (engine/hooks/kfac_hook.cpp) drives the preconditioner at the points of the step
// that algorithms/kfac/kfac_preconditioner.h documents: begin_step(epoch) before the step,
// after_backward(local, global, last) after each backward, precondition(lr) before the SGD step.
// Checked against a loop written here that calls KfacPreconditioner and the SGD optimizer by hand on
// the same model, batches and lr (3 steps, factors every step, inverses every 2nd; tolerance 1e-6 on
// parameters of size ~0.1-1: the trainer's gradients pass through the reducer, here they do not).
// Also: the hook's state is under kfac/ in checkpoints (decompositions gathered first).
#include <gtest/gtest.h>

#include <filesystem>

#include "algorithms/kfac/kfac_preconditioner.h"
#include "algorithms/optim/optimizer.h"
#include "base/seeding.h"
#include "comm/local/local_communicator.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/hooks/kfac_hook.h"
#include "engine/models/model.h"
#include "engine/run_files.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

TEST(KfacHook, DrivesThePreconditionerAsDocumented) {
  const std::string out = test_util::temp_dir("kfac_hook_test", "drive");
  TrainerOptions o = test_util::tiny_options(out);
  o.steps = 3;
  o.optimizer.kind = OptimizerKind::kKfac;
  o.lr.lr = 0.05;
  KfacOptions k;
  k.factor_update_freq = 1;
  k.inv_update_freq = 2;
  k.damping = 0.01;
  test_util::run_trainer(o, RunMode::kFresh, {[k](TrainContext& c) { return std::make_unique<KfacHook>(k, c); }});
  const auto trained = test_util::final_model(out);

  // The same three steps by hand.
  DataSplits data = load_data(o.data, o.seed);
  torch::manual_seed(derive_seed(o.seed, "model_init"));
  Net model = make_model(o.model, data.sample_shape, data.num_classes);
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.key(), p.value());
  KfacPreconditioner kfac(k, *model, std::make_shared<LocalCommunicator>());
  auto sgd = make_optimizer(o.optimizer, params);
  Loader loader(data.train, o.seed, 0, 1, false);
  model->train();
  for (int step = 0; step < 3; ++step) {
    const double epoch = static_cast<double>(loader.epoch()) + static_cast<double>(loader.position()) / 200.0;
    kfac.begin_step(epoch);
    const Batch b = loader.next(24);
    model->zero_grad();
    torch::nn::functional::cross_entropy(model->forward(b.inputs), b.targets).backward();
    kfac.after_backward(b.local_size, b.global_size, true);
    kfac.precondition(0.05);
    sgd->set_lr(0.05);
    sgd->step();
  }
  EXPECT_EQ(kfac.steps(), 3);
  ASSERT_EQ(trained.size(), params.size());
  for (const auto& [name, p] : params) {
    ASSERT_TRUE(trained.count(name)) << name;
    const double diff = (trained.at(name) - p.detach()).abs().max().item<double>();
    EXPECT_LE(diff, 1e-6) << name << ": max |trainer - by hand| = " << diff;
  }

  // K-FAC's state is in the checkpoint; an SGD run's checkpoint has none.
  auto ckpt = open_state_file(out + "/checkpoints/ckpt_00000003.h5");
  EXPECT_TRUE(ckpt->has("kfac"));
  EXPECT_FALSE(ckpt->children("kfac").empty());
  o.optimizer.kind = OptimizerKind::kSgd;
  test_util::run_trainer(o);
  EXPECT_FALSE(open_state_file(out + "/checkpoints/ckpt_00000003.h5")->has("kfac"));
  fs::remove_all(out);
}

// The hook's preconditioning changes the step: K-FAC and SGD at the same lr differ after one step.
TEST(KfacHook, PreconditioningChangesTheUpdate) {
  const std::string a = test_util::temp_dir("kfac_hook_test", "kfac"), b = test_util::temp_dir("kfac_hook_test", "sgd");
  TrainerOptions o = test_util::tiny_options(a);
  o.steps = 1;
  o.optimizer.kind = OptimizerKind::kKfac;
  test_util::run_trainer(o, RunMode::kFresh, {[](TrainContext& c) { return std::make_unique<KfacHook>(KfacOptions{}, c); }});
  o.output_dir = b;
  o.optimizer.kind = OptimizerKind::kSgd;
  test_util::run_trainer(o);
  const auto ka = test_util::final_model(a), sb = test_util::final_model(b);
  double largest = 0;
  for (const auto& [name, t] : ka) largest = std::max(largest, (t - sb.at(name)).abs().max().item<double>());
  EXPECT_GT(largest, 1e-4) << "K-FAC's first step equals SGD's: the gradients were not preconditioned";
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace
}  // namespace curvlab
