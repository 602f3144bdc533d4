// Tests of algorithms/optim/adam.cpp against torch.optim.Adam and torch.optim.AdamW themselves:
// scripts/python/curvlab_optim.py (run with /usr/bin/python3) takes the same float64 parameters and
// gradients and writes the parameters after each of 10 steps, with an lr and a weight-decay change
// mid-run and one step where a parameter has no gradient (it is skipped and its own step count
// waits); the C++ trajectory must be bitwise equal (tolerance 0: the update is PyTorch's op for op;
// the max difference is printed). Also: the names, set_lr / set_weight_decay, and the checkpoint
// state (by parameter name, so a twin listing its parameters in another order continues bitwise
// identically; another optimizer's state, another amsgrad setting, a moment of another shape and an
// incomplete parameter state are refused with messages that say what to do).
#include "algorithms/optim/adam.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <ostream>
#include <sstream>

#include "algorithms/map_state.h"
#include "base/error.h"

namespace curvlab {
namespace {
namespace fs = std::filesystem;
using testing_state::MapState;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

void write_raw(const fs::path& path, const torch::Tensor& t) {
  auto c = t.detach().contiguous().to(torch::kFloat64);
  std::ofstream(path, std::ios::binary).write(static_cast<const char*>(c.data_ptr()), c.numel() * 8);
}

torch::Tensor read_raw(const fs::path& path, at::IntArrayRef shape) {
  auto t = torch::empty(shape, torch::kFloat64);
  std::ifstream f(path, std::ios::binary);
  f.read(static_cast<char*>(t.data_ptr()), t.numel() * 8);
  EXPECT_TRUE(f.good()) << "cannot read " << path;
  return t;
}

// Runs `cmd` with a shell; returns its exit status and output.
std::pair<int, std::string> run(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  return {::pclose(p), out};
}

struct Case {
  bool decoupled, amsgrad;
  double wd;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << (c.decoupled ? "adamw" : "adam") << (c.amsgrad ? " amsgrad" : "") << " wd " << c.wd;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return std::string(c.decoupled ? "adamw" : "adam") + (c.amsgrad ? "_amsgrad" : "") + (c.wd > 0 ? "_wd" : "_no_wd");
}

class AdamVsTorch : public ::testing::TestWithParam<Case> {};

TEST_P(AdamVsTorch, TenStepsBitwiseEqualToTorchOptim) {
  const Case c = GetParam();
  const int kSteps = 10;
  const fs::path dir = fs::temp_directory_path() /
                       ("curvlab_adam_test_" + case_name({c, 0}) + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  torch::manual_seed(21);
  const std::vector<std::vector<std::int64_t>> shapes = {{3, 4}, {3}};
  NamedParams params = {{"fc.weight", torch::randn({3, 4}, torch::kFloat64)},
                        {"fc.bias", torch::randn({3}, torch::kFloat64)}};
  for (std::size_t i = 0; i < params.size(); ++i) write_raw(dir / ("init_" + std::to_string(i) + ".bin"), params[i].second);
  AdamOptions o;
  o.beta1 = 0.85;  // not the defaults, so that each option is seen to reach the update
  o.beta2 = 0.99;
  o.eps = 1e-6;
  o.amsgrad = c.amsgrad;
  Adam opt(params, 1e-2, c.wd, o, c.decoupled);
  std::string lrs, wds;
  std::vector<std::vector<torch::Tensor>> trajectory;
  for (int step = 0; step < kSteps; ++step) {
    const double lr = step < 5 ? 1e-2 : 9e-3;                  // a step schedule's change
    const double wd = step < 5 ? c.wd : c.wd * 0.8;            // and its weight decay's
    lrs += (step ? "," : "") + num(lr);
    wds += (step ? "," : "") + num(wd);
    opt.set_lr(lr);
    opt.set_weight_decay(wd);
    EXPECT_EQ(opt.lr(), lr);
    EXPECT_EQ(opt.weight_decay(), wd);
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto& p = params[i].second;
      if (step == 3 && i == 1) {  // fc.bias has no gradient this step
        p.mutable_grad() = torch::Tensor();
        continue;
      }
      // Gradients of mixed scales, so that amsgrad's maximum differs from the current v.
      const auto g = torch::randn(p.sizes(), torch::kFloat64) * (step % 3 == 0 ? 3.0 : 0.2);
      write_raw(dir / ("grad_" + std::to_string(step) + "_" + std::to_string(i) + ".bin"), g);
      p.mutable_grad() = g.clone();
    }
    opt.step();
    trajectory.push_back({params[0].second.clone(), params[1].second.clone()});
  }
  EXPECT_EQ(opt.state().at("fc.weight").step, kSteps);
  EXPECT_EQ(opt.state().at("fc.bias").step, kSteps - 1);

  const std::string cmd = "/usr/bin/python3 " + std::string(CURVLAB_SOURCE_DIR) + "/scripts/python/curvlab_optim.py " +
                          dir.string() + " " + (c.decoupled ? "adamw" : "adam") + " " + (c.amsgrad ? "1" : "0") + " " +
                          num(o.beta1) + " " + num(o.beta2) + " " + num(o.eps) + " " + std::to_string(kSteps) + " " +
                          lrs + " " + wds + " 3x4,3";
  const auto [status, output] = run(cmd);
  ASSERT_EQ(status, 0) << cmd << "\n" << output;
  double worst = 0.0;
  for (int step = 0; step < kSteps; ++step) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto ref = read_raw(dir / ("out_" + std::to_string(step) + "_" + std::to_string(i) + ".bin"), shapes[i]);
      const double d = max_diff(trajectory[step][i], ref);
      worst = std::max(worst, d);
      EXPECT_TRUE(torch::equal(trajectory[step][i], ref))
          << params[i].first << " after step " << step + 1 << ": max diff " << d;
    }
  }
  std::cout << "[ adam ] " << case_name({c, 0}) << ": max |C++ - torch.optim| over " << kSteps << " steps = " << worst
            << "\n";
  // The parameters moved (the comparison is not of two untouched tensors).
  EXPECT_GT(max_diff(trajectory.back()[0], read_raw(dir / "init_0.bin", shapes[0])), 1e-3);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Settings, AdamVsTorch,
                         ::testing::Values(Case{false, false, 0.0}, Case{false, false, 1e-2}, Case{false, true, 1e-2},
                                           Case{true, false, 0.0}, Case{true, false, 1e-1}, Case{true, true, 1e-1}),
                         case_name);

TEST(Adam, NamesAndZeroGrad) {
  auto w = torch::ones({2}, torch::kFloat64), v = torch::ones({2}, torch::kFloat64);
  Adam adam({{"w", w}, {"v", v}}, 1e-3, 0.0, {}, false);
  Adam adamw({{"w", w}}, 1e-3, 0.0, {}, true);
  EXPECT_EQ(adam.name(), "adam");
  EXPECT_EQ(adamw.name(), "adamw");
  w.mutable_grad() = torch::full({2}, 3.0, torch::kFloat64);
  adam.zero_grad();
  EXPECT_TRUE(torch::equal(w.grad(), torch::zeros({2}, torch::kFloat64)));
  EXPECT_FALSE(v.grad().defined());
}

// Runs `steps` steps of seeded gradients on `params` (the same draws for the same seed).
void run_steps(Optimizer& opt, NamedParams& params, int steps, std::uint64_t seed) {
  torch::manual_seed(seed);
  for (int s = 0; s < steps; ++s) {
    for (auto& [name, p] : params) p.mutable_grad() = torch::randn(p.sizes(), torch::kFloat64);
    opt.step();
  }
}

class AdamResume : public ::testing::TestWithParam<Case> {};

TEST_P(AdamResume, SaveLoadByNameContinuesBitwise) {
  const Case c = GetParam();
  AdamOptions o;
  o.amsgrad = c.amsgrad;
  torch::manual_seed(5);
  NamedParams a = {{"fc.weight", torch::randn({4, 2}, torch::kFloat64)}, {"fc.bias", torch::randn({4}, torch::kFloat64)}};
  Adam opt(a, 1e-2, c.wd, o, c.decoupled);
  run_steps(opt, a, 3, 6);
  MapState st;
  opt.save_state(st, "optimizer");
  EXPECT_EQ(st.s.at("optimizer/name"), opt.name());
  EXPECT_EQ(st.i.at("optimizer/step"), 3);
  EXPECT_EQ(st.i.at("optimizer/amsgrad"), c.amsgrad ? 1 : 0);
  EXPECT_EQ(st.i.at("optimizer/param_step/fc.bias"), 3);
  for (const char* group : {"exp_avg", "exp_avg_sq"}) {
    EXPECT_TRUE(st.t.count(std::string("optimizer/") + group + "/fc.weight")) << group;
  }
  EXPECT_EQ(st.t.count("optimizer/max_exp_avg_sq/fc.weight"), c.amsgrad ? 1u : 0u);
  // The twin lists its parameters in the other order: the state must follow the names.
  NamedParams b = {{"fc.bias", a[1].second.clone()}, {"fc.weight", a[0].second.clone()}};
  Adam twin(b, 1e-2, c.wd, o, c.decoupled);
  twin.load_state(st, "optimizer");
  MapState again;
  twin.save_state(again, "optimizer");
  EXPECT_EQ(again.paths(), st.paths());
  run_steps(opt, a, 4, 7);
  NamedParams b_in_a_order = {b[1], b[0]};  // the same tensors, for the same gradient draws
  run_steps(twin, b_in_a_order, 4, 7);
  EXPECT_TRUE(torch::equal(a[0].second, b[1].second)) << "max diff " << max_diff(a[0].second, b[1].second);
  EXPECT_TRUE(torch::equal(a[1].second, b[0].second)) << "max diff " << max_diff(a[1].second, b[0].second);
}

INSTANTIATE_TEST_SUITE_P(Settings, AdamResume,
                         ::testing::Values(Case{false, false, 1e-2}, Case{true, true, 1e-1}), case_name);

template <typename E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Adam, RefusesStateItCannotContinue) {
  auto w = torch::zeros({2, 3}, torch::kFloat64);
  NamedParams params = {{"w", w}};
  Adam adam(params, 1e-3, 0.0, {}, false);
  run_steps(adam, params, 1, 1);
  MapState st;
  adam.save_state(st, "o");

  Adam adamw(params, 1e-3, 0.0, {}, true);
  std::string what = error_of<ConfigError>([&] { adamw.load_state(st, "o"); });
  EXPECT_NE(what.find("checkpoint holds optimizer 'adam' state but the job uses 'adamw'"), std::string::npos) << what;

  AdamOptions ams;
  ams.amsgrad = true;
  Adam with_amsgrad(params, 1e-3, 0.0, ams, false);
  what = error_of<ConfigError>([&] { with_amsgrad.load_state(st, "o"); });
  EXPECT_NE(what.find("train.adam.amsgrad = false but the job sets true"), std::string::npos) << what;

  MapState wrong_shape = st;
  wrong_shape.t["o/exp_avg_sq/w"] = torch::zeros({3, 2}, torch::kFloat64);
  what = error_of<IoError>([&] { adam.load_state(wrong_shape, "o"); });
  EXPECT_NE(what.find("exp_avg_sq 'o/exp_avg_sq/w' has shape [3, 2] but the parameter has [2, 3]"), std::string::npos)
      << what;

  MapState partial = st;
  partial.i.erase("o/param_step/w");
  what = error_of<IoError>([&] { adam.load_state(partial, "o"); });
  EXPECT_NE(what.find("only part of the adam state of parameter 'w'"), std::string::npos) << what;

  // Before the first step there is no moment: the state is the header alone, and it loads.
  Adam fresh(params, 1e-3, 0.0, {}, false);
  MapState empty;
  fresh.save_state(empty, "o");
  EXPECT_EQ(empty.paths(), (std::vector<std::string>{"o/amsgrad", "o/name", "o/step"}));
  adam.load_state(empty, "o");
  EXPECT_TRUE(adam.state().empty());
}

}  // namespace
}  // namespace curvlab
