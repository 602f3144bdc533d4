// K-FAC inside the trainer (train.optimizer = "kfac"), one rank: a run stopped between factor and
// inverse updates and resumed from its checkpoint ends bitwise equal to an uninterrupted run (the
// checkpoint holds factors and decompositions); the checkpoint's K-FAC state is complete; an SGD
// checkpoint cannot be resumed as K-FAC; the job parser reads [kfac].
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>

#include "algorithms/kfac/kfac_preconditioner.h"
#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "base/error.h"
#include "engine/trainer.h"
#include "jobs/train/train_options.h"
#include "jobs/job_parser.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

std::string temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("curvlab_kfac_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  return p.string();
}

JobSpec kfac_job(const std::string& out, const std::string& optimizer = "kfac") {
  const std::string text =
      "[job]\nname = \"k\"\noutput_dir = \"" + out + "\"\nseed = 4\n"
      "[data]\ndataset = \"synthetic\"\nsynthetic_train = 120\nsynthetic_test = 40\nsynthetic_shape = [1, 8, 8]\n"
      "synthetic_classes = 3\n"
      "[model]\nname = \"convnet\"\n"
      "[train]\nepochs = 2\nbatch_size = 25\nlr = 0.05\nmomentum = 0.9\nweight_decay = 1e-4\noptimizer = \"" +
      optimizer + "\"\ncheckpoint_every_steps = 4\nkeep_last = 2\nlog_every_seconds = 1000\n"
      "[kfac]\nfactor_update_freq = 2\ninv_update_freq = 3\ndamping = 0.003\nkl_clip = 0.001\n"
      "damping_milestones = [1.0]\nskip_layers = [\"fc2\"]\n";
  return parse_job_text(text, "kfac.toml");
}

std::string latest(const std::string& out) {
  Checkpointer ck(out + "/checkpoints", 2);
  auto path = ck.latest_valid();
  EXPECT_TRUE(path.has_value());
  return path.value_or("");
}

}  // namespace

TEST(KfacTrainer, ParserReadsKfacSection) {
  JobSpec spec = kfac_job("/tmp/x");
  EXPECT_EQ(optimizer_names().name(spec.train.optimizer), "kfac");
  EXPECT_EQ(spec.kfac.factor_update_freq, 2);
  EXPECT_EQ(spec.kfac.inv_update_freq, 3);
  EXPECT_DOUBLE_EQ(spec.kfac.damping, 0.003);
  EXPECT_EQ(spec.kfac.skip_layers, (std::vector<std::string>{"fc2"}));
  EXPECT_EQ(kfac_method_names().name(spec.kfac.method), "eigen");
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\nmethod = \"newton\"\n", "bad.toml"), ConfigError);
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\ndamping = 0\n", "bad.toml"), ConfigError);
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\nskip_layers = [1]\n", "bad.toml"), ConfigError);
  EXPECT_THROW(parse_job_text("[job]\noutput_dir=\"o\"\n[kfac]\ngrad_worker_fraction = 1.5\n", "bad.toml"),
               ConfigError);
}

TEST(KfacTrainer, MisspeltSkipLayerIsAnError) {
  JobSpec spec = kfac_job("/tmp/unused");
  spec.kfac.skip_layers = {"fc3"};
  torch::manual_seed(0);
  CaptureLinear fc(4, 2);
  torch::nn::Sequential model(fc);
  try {
    KfacPreconditioner(spec.kfac, *model, std::make_shared<LocalCommunicator>());
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'fc3' is neither a layer"), std::string::npos) << e.what();
  }
}

TEST(KfacTrainer, ResumeIsBitwiseIdentical) {
  auto comm = std::make_shared<LocalCommunicator>();
  const std::string a = temp_dir("full"), b = temp_dir("resumed");
  prepare_run_dir(a, RunMode::kFresh);
  const TrainResult full = make_job_trainer(kfac_job(a), comm, RunMode::kFresh)->run();
  EXPECT_EQ(full.steps, 10);  // 120 / 25 -> 5 batches (the last of 20) per epoch

  prepare_run_dir(b, RunMode::kFresh);
  std::int64_t polls = 0;
  TrainerCallbacks stop;  // stop after step 7: factors updated at 6, decompositions at 6, not at 7
  stop.stop_requested = [&] { return ++polls > 7; };
  EXPECT_EQ(make_job_trainer(kfac_job(b), comm, RunMode::kFresh, stop)->run().steps, 7);
  {
    auto in = open_state_file(latest(b));
    EXPECT_EQ(in->read_int("kfac/steps"), 7);
    for (const std::string layer : {"conv1", "conv2", "fc1"}) {
      for (const std::string key : {"A", "G", "qa", "da", "qg", "dg"}) {
        EXPECT_TRUE(in->has("kfac/layers/" + layer + "/block0/" + key)) << layer << " " << key;
      }
    }
    EXPECT_FALSE(in->has("kfac/layers/fc2/block0/A"));  // skipped: plain gradient
    EXPECT_EQ(in->read_tensor("kfac/layers/conv2/block0/A").size(0), 32 * 9 + 1);
  }
  const TrainResult rest = make_job_trainer(kfac_job(b), comm, RunMode::kResume)->run();
  EXPECT_TRUE(rest.resumed);
  EXPECT_EQ(rest.resumed_from_step, 7);
  EXPECT_EQ(rest.steps, 10);

  auto fa = open_state_file(latest(a)), fb = open_state_file(latest(b));
  for (const std::string group : {"model", "kfac/layers/conv2/block0", "kfac/layers/fc1/block0"}) {
    const auto names = fa->children(group);
    ASSERT_FALSE(names.empty()) << group;
    for (const auto& name : names) {
      auto ta = fa->read_tensor(group + "/" + name), tb = fb->read_tensor(group + "/" + name);
      EXPECT_TRUE(torch::equal(ta, tb)) << group << "/" << name << " max diff "
                                        << (ta - tb).abs().max().item<double>();
    }
  }
  EXPECT_DOUBLE_EQ(full.test_accuracy, rest.test_accuracy);
  // K-FAC changes the trajectory: the same job with SGD ends elsewhere.
  const std::string c = temp_dir("sgd");
  prepare_run_dir(c, RunMode::kFresh);
  make_job_trainer(kfac_job(c, "sgd"), comm, RunMode::kFresh)->run();
  auto fc = open_state_file(latest(c));
  EXPECT_FALSE(torch::allclose(fa->read_tensor("model/conv1.weight"), fc->read_tensor("model/conv1.weight")));
  // An SGD checkpoint resumed as K-FAC: a clear error.
  try {
    make_job_trainer(kfac_job(c), comm, RunMode::kResume)->run();
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no K-FAC state"), std::string::npos) << e.what();
  }
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(c);
}
