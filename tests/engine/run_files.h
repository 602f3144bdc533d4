// Test helpers for trainer tests: a fresh temporary directory per test, the model tensors of a run's
// newest valid checkpoint, a metrics CSV as columns, the options of a tiny synthetic run built
// without the job parser, a trainer run of them, and capturing what a run prints on stderr.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/run_dir.h"
#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/trainer.h"

namespace curvlab::test_util {

inline std::string temp_dir(const std::string& suite, const std::string& name) {
  std::filesystem::path p = std::filesystem::temp_directory_path() /
                            ("curvlab_" + suite + "_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

inline std::map<std::string, torch::Tensor> final_model(const std::string& out) {
  Checkpointer ck(out + "/checkpoints", 2);
  auto path = ck.latest_valid();
  EXPECT_TRUE(path.has_value()) << out;
  if (!path) return {};
  auto in = open_state_file(*path);
  std::map<std::string, torch::Tensor> m;
  for (const auto& name : in->children("model")) m[name] = in->read_tensor("model/" + name);
  return m;
}

// A CSV written by the trainer as column -> values.
inline std::map<std::string, std::vector<double>> read_csv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) header.push_back(h);
  std::map<std::string, std::vector<double>> cols;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::size_t i = 0;
    for (std::string v; std::getline(ls, v, ','); ++i) cols[header.at(i)].push_back(std::stod(v));
  }
  return cols;
}

// 200 synthetic samples of 1x4x4 in 3 classes, an MLP with one hidden layer of 16, SGD with
// momentum 0.9 at a constant lr 0.1, batch 24 (9 steps per epoch), 2 epochs, seed 3.
inline TrainerOptions tiny_options(const std::string& out) {
  TrainerOptions o;
  o.output_dir = out;
  o.seed = 3;
  o.job_text = "[job]\nname = \"tiny\"\n";
  o.job_file = "tiny.toml";
  o.data.dataset = "synthetic";
  o.data.synthetic_train = 200;
  o.data.synthetic_test = 64;
  o.data.synthetic_shape = {1, 4, 4};
  o.data.synthetic_classes = 3;
  o.model.name = "mlp";
  o.model.widths = {16};
  o.optimizer.lr = 0.1;
  o.optimizer.momentum = 0.9;
  o.lr.lr = 0.1;
  o.batch_size = 24;
  o.lr.base_batch = 24;
  o.epochs = 2;
  o.keep_last = 100;
  o.log_every_seconds = 1000;
  return o;
}

// Runs a trainer of `o` (with the hooks made by `hooks`) on one rank; a fresh run starts from an
// empty output directory (an earlier run there is removed).
inline TrainResult run_trainer(const TrainerOptions& o, RunMode mode = RunMode::kFresh,
                               const std::vector<HookFactory>& hooks = {}, TrainerCallbacks callbacks = {}) {
  if (mode == RunMode::kFresh) {
    std::filesystem::remove_all(o.output_dir);
    prepare_run_dir(o.output_dir, RunMode::kFresh);
  }
  Trainer trainer(o, std::make_shared<LocalCommunicator>(), mode, std::move(callbacks));
  for (const auto& h : hooks) trainer.add_hook(h);
  return trainer.run();
}

// The steps of the checkpoints in `out`/checkpoints, oldest first.
inline std::vector<std::int64_t> checkpoint_steps(const std::string& out) {
  std::vector<std::int64_t> steps;
  for (const auto& path : Checkpointer(out + "/checkpoints", 1000).list()) {
    steps.push_back(open_state_file(path)->read_int("trainer/step"));
  }
  return steps;
}

// Redirects stderr into a file while alive; text() is what was written so far.
class CaptureStderr {
 public:
  CaptureStderr() : path_(temp_dir("stderr", std::to_string(reinterpret_cast<std::uintptr_t>(this)))) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    FILE* f = std::fopen(path_.c_str(), "w");
    ::dup2(::fileno(f), 2);
    std::fclose(f);
  }
  ~CaptureStderr() {
    restore();
    std::filesystem::remove(path_);
  }
  std::string text() {
    std::fflush(stderr);
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }

 private:
  std::string path_;
  int saved_ = -1;
};

}  // namespace curvlab::test_util
