// Interoperability of trained checkpoints with PyTorch: a short training run writes a checkpoint;
// /usr/bin/python3 with h5py (scripts/python/curvlab_checkpoint.py) rebuilds the torch.nn twin
// from it and its eval-mode logits on a fixed test batch must match curvlab's within 1e-5.
// Cases: convnet on real Fashion-MNIST (skipped when the dataset package is missing) and
// resnet20 (batch norm: running statistics must travel too) on synthetic 3x32x32 data.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/dataset.h"
#include "engine/models/model.h"
#include "engine/trainer.h"
#include "jobs/train/train_options.h"
#include "jobs/job_parser.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

const std::string kScript = std::string(CURVLAB_SOURCE_DIR) + "/scripts/python/curvlab_checkpoint.py";

std::pair<int, std::string> run_command(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  return {::pclose(p), out};
}

// Trains `job_text` (with output_dir set here), then compares its last checkpoint's logits with
// the PyTorch twin's. Returns the script's output.
void check_interop(const std::string& name, const std::string& body) {
  const fs::path out = fs::temp_directory_path() / ("curvlab_interop_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(out);
  const std::string text = "[job]\nname = \"" + name + "\"\noutput_dir = \"" + out.string() + "\"\nseed = 5\n" + body;
  JobSpec spec = parse_job_text(text, name + ".toml");
  prepare_run_dir(spec.job.output_dir, RunMode::kFresh);
  make_job_trainer(spec, std::make_shared<LocalCommunicator>(), RunMode::kFresh)->run();

  // The engine's side: a fresh model loaded from the checkpoint, as `--resume` would.
  auto ckpt = Checkpointer((out / "checkpoints").string(), 3).latest_valid();
  ASSERT_TRUE(ckpt.has_value());
  DataSplits data = load_data(spec.data, spec.job.seed);
  Net model = make_model(spec.model, data.sample_shape, data.num_classes);
  auto in = open_state_file(*ckpt);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) p.value().copy_(in->read_tensor("model/" + p.key()));
    for (auto& b : model->named_buffers()) b.value().copy_(in->read_tensor("model/" + b.key()));
  }
  model->eval();
  torch::Tensor inputs = data.test.inputs.slice(0, 0, 32);
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = model->forward(inputs);
  }
  ASSERT_GT(logits.abs().max().item<double>(), 0.0);
  const std::string batch = (out / "batch.h5").string();
  write_state_file(batch, [&](StateWriter& w) {
    w.write_tensor("inputs", inputs);
    w.write_tensor("logits", logits);
  }, {{"kind", "test-batch"}});

  auto [status, output] = run_command("/usr/bin/python3 " + kScript + " " + *ckpt + " --check-logits " + batch +
                                      " --tol 1e-5");
  if (output.find("No module named") != std::string::npos) GTEST_SKIP() << "python3 lacks torch/h5py: " << output;
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("max |torch - curvlab|"), std::string::npos) << output;
  std::printf("%s: %s", name.c_str(), output.c_str());
  fs::remove_all(out);
}

}  // namespace

TEST(CheckpointTorchInterop, ConvNetOnFashionMnist) {
  DataOptions d;
  if (!fs::exists(default_data_root(d.dataset))) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  check_interop("convnet",
                "[data]\ndataset = \"fashion-mnist\"\ntrain_subset = 512\ntest_subset = 64\n"
                "[model]\nname = \"convnet\"\n"
                "[train]\nsteps = 6\nbatch_size = 64\nlr = 0.05\nmomentum = 0.9\nweight_decay = 5e-4\n"
                "log_every_seconds = 1000\n");
}

TEST(CheckpointTorchInterop, ResNet20WithBatchNormStatistics) {
  check_interop("resnet20",
                "[data]\ndataset = \"synthetic\"\nsynthetic_train = 96\nsynthetic_test = 32\n"
                "synthetic_shape = [3, 32, 32]\nsynthetic_classes = 10\n"
                "[model]\nname = \"resnet20\"\n"
                "[train]\nsteps = 3\nbatch_size = 32\nlr = 0.05\nmomentum = 0.9\nlog_every_seconds = 1000\n");
}

TEST(CheckpointTorchInterop, MlpSpecCarriesWidthsAndActivation) {
  check_interop("mlp",
                "[data]\ndataset = \"synthetic\"\nsynthetic_train = 64\nsynthetic_test = 32\n"
                "[model]\nname = \"mlp\"\nwidths = [24, 12]\nactivation = \"tanh\"\n"
                "[train]\nsteps = 4\nbatch_size = 16\nlr = 0.1\nlog_every_seconds = 1000\n");
}
