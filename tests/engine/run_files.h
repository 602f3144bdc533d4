// Test helpers for trainer tests: a fresh temporary directory per test, and the model tensors of a
// run's newest valid checkpoint.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "engine/checkpoint/checkpointer.h"

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

}  // namespace curvlab::test_util
