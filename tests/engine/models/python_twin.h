// The C++ models against their PyTorch twins (scripts/python/curvlab_models.py, run with
// /usr/bin/python3), shared by the model tests (mlp_test.cpp, lenet5_test.cpp, convnet_test.cpp,
// resnet_test.cpp): (a) parameter and buffer names and shapes, in order; (b) eval-mode logits on a
// fixed batch after copying the C++ parameters and buffers into the twin (tolerance 1e-5, max
// difference printed). One Python process per check.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/data/data_test_files.h"
#include "engine/models/model.h"

namespace curvlab::python_twin {

inline const std::string kPython = "/usr/bin/python3";
inline const std::string kScript = std::string(CURVLAB_SOURCE_DIR) + "/scripts/python/curvlab_models.py";

struct Case {
  std::string spec;  // NAME:C:H:W:CLASSES[:WIDTHS[:ACTIVATION[:KAPPA[:BATCH_NORM]]]], as the script takes it
  ModelOptions model;
  std::vector<std::int64_t> shape;
  std::int64_t classes = 0;
};

inline Case parse(const std::string& spec) {
  std::vector<std::string> f;
  std::stringstream ss(spec);
  for (std::string part; std::getline(ss, part, ':');) f.push_back(part);
  Case c;
  c.spec = spec;
  c.model.name = f[0];
  c.shape = {std::stoll(f[1]), std::stoll(f[2]), std::stoll(f[3])};
  c.classes = std::stoll(f[4]);
  if (f.size() > 5) {
    c.model.widths.clear();
    std::stringstream ws(f[5] == "-" ? "" : f[5]);
    for (std::string w; std::getline(ws, w, 'x');) c.model.widths.push_back(std::stoll(w));
    c.model.widths_given = f[5] != "-";
  }
  if (f.size() > 6) c.model.activation = *activation_names().find(f[6]);
  if (f.size() > 7) c.model.kappa = std::stod(f[7]);
  if (f.size() > 8) c.model.batch_norm = *decoder_norm_names().find(f[8]);
  return c;
}

// Runs the script with `args`; returns its exit status and output (stdout + stderr).
inline std::pair<int, std::string> run_script(const std::string& args) {
  const std::string cmd = kPython + " " + kScript + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  return {::pclose(p), out};
}

inline bool torch_missing(const std::string& output) { return output.find("No module named") != std::string::npos; }

inline std::string dims(const torch::Tensor& t) {
  std::string s;
  for (int i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s.empty() ? "-" : s;
}

inline void write_raw(const std::string& path, const torch::Tensor& t) {
  auto c = t.detach().contiguous();
  std::ofstream(path, std::ios::binary).write(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
}

// Writes the case's tensors and input for the script; returns the C++ logits.
inline torch::Tensor export_case(const Case& c, const std::string& folder, std::uint64_t seed) {
  std::filesystem::create_directories(folder);
  torch::manual_seed(seed);
  auto model = make_model(c.model, c.shape, c.classes);
  {
    // Non-trivial batch-norm affine parameters and running statistics, so eval mode is tested.
    torch::NoGradGuard g;
    for (auto& kv : model->named_parameters()) {
      if (kv.key().find("bn") != std::string::npos) kv.value().copy_(torch::rand_like(kv.value()) + 0.5);
    }
    for (auto& kv : model->named_buffers()) {
      if (kv.key().find("running_mean") != std::string::npos) kv.value().copy_(torch::randn_like(kv.value()) * 0.1);
      if (kv.key().find("running_var") != std::string::npos) kv.value().copy_(torch::rand_like(kv.value()) + 0.5);
      if (kv.key().find("num_batches_tracked") != std::string::npos) kv.value().fill_(17);
    }
  }
  model->eval();
  auto x = torch::randn({4, c.shape[0], c.shape[1], c.shape[2]});
  std::ofstream manifest(folder + "/manifest.txt");
  manifest << "spec " << c.spec << "\n";
  write_raw(folder + "/input.bin", x);
  manifest << "input float32 " << dims(x) << " input.bin\n";
  int i = 0;
  auto add = [&](const std::string& key, const torch::Tensor& t) {
    const std::string file = "t" + std::to_string(i++) + ".bin";
    write_raw(folder + "/" + file, t);
    manifest << "tensor " << key << " " << (t.scalar_type() == torch::kInt64 ? "int64" : "float32") << " "
             << dims(t) << " " << file << "\n";
  };
  for (const auto& kv : model->named_parameters()) add(kv.key(), kv.value());
  for (const auto& kv : model->named_buffers()) add(kv.key(), kv.value());
  torch::NoGradGuard g;
  return model->forward(x);
}

// (a) Parameter and buffer names and shapes, in order, of the C++ models of `specs` against the
// twins' (one Python process). Skips when /usr/bin/python3 has no torch.
inline void check_names_and_shapes(const std::vector<std::string>& specs) {
  std::string args = "--dump-names";
  for (const auto& s : specs) args += " " + s;
  auto [status, output] = run_script(args);
  if (torch_missing(output)) GTEST_SKIP() << "/usr/bin/python3 has no torch: " << output;
  ASSERT_EQ(status, 0) << output;

  std::map<std::string, std::vector<std::string>> python;  // spec -> "kind name shape" lines in order
  std::stringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << "unexpected line: " << line;
    std::string rest = line.substr(tab + 1);
    std::replace(rest.begin(), rest.end(), '\t', ' ');
    python[line.substr(0, tab)].push_back(rest);
  }
  for (const auto& spec : specs) {
    Case c = parse(spec);
    torch::manual_seed(0);
    auto model = make_model(c.model, c.shape, c.classes);
    std::vector<std::string> cpp;
    for (const auto& kv : model->named_parameters()) cpp.push_back("param " + kv.key() + " " + dims(kv.value()));
    for (const auto& kv : model->named_buffers()) cpp.push_back("buffer " + kv.key() + " " + dims(kv.value()));
    const auto& py = python[spec];
    EXPECT_EQ(cpp.size(), py.size()) << spec << ": C++ and PyTorch list different numbers of tensors";
    for (size_t i = 0; i < std::min(cpp.size(), py.size()); ++i) {
      if (cpp[i] != py[i]) {
        ADD_FAILURE() << spec << ": entry " << i << " is \"" << cpp[i] << "\" in C++, \"" << py[i] << "\" in PyTorch";
        break;
      }
    }
  }
}

// (b) Eval-mode logits of each spec (its C++ model initialised from torch seed seeds[k]) against the
// twin's after copying the parameters and buffers over: max |difference| < 1e-5 (float32 forward
// passes in another operation order), printed on failure. One Python process.
inline void check_logits(const std::vector<std::string>& specs, const std::vector<std::uint64_t>& seeds) {
  ASSERT_EQ(specs.size(), seeds.size());
  testing::TempDir dir;
  std::vector<torch::Tensor> cpp;
  for (size_t k = 0; k < specs.size(); ++k) {
    cpp.push_back(export_case(parse(specs[k]), dir / ("case" + std::to_string(k)), seeds[k]));
  }
  auto [status, output] = run_script("--logits " + dir.path());
  if (torch_missing(output)) GTEST_SKIP() << "/usr/bin/python3 has no torch: " << output;
  ASSERT_EQ(status, 0) << output;
  for (size_t k = 0; k < specs.size(); ++k) {
    const std::string path = dir / ("case" + std::to_string(k)) + "/logits_py.bin";
    ASSERT_TRUE(std::filesystem::exists(path)) << specs[k] << "\n" << output;
    auto py = torch::empty_like(cpp[k]);
    std::ifstream(path, std::ios::binary).read(static_cast<char*>(py.data_ptr()), py.numel() * sizeof(float));
    const double diff = (py - cpp[k]).abs().max().item<double>();
    EXPECT_LT(diff, 1e-5) << specs[k] << ": max |logits C++ - PyTorch| = " << diff;
    EXPECT_GT(cpp[k].abs().max().item<double>(), 1e-3) << specs[k] << ": logits are trivially small";
  }
}

}  // namespace curvlab::python_twin
