// The shallow decoder (engine/models/shallow_decoder.cpp): against the formula written out in float64
// in training mode (batch statistics: per feature and shared), against its PyTorch twin (names,
// shapes, eval logits; python_twin.h, tolerance 1e-5), one Adam training step against the twin with
// torch.optim.Adam (1e-6), its spec string and width checks.
#include "engine/models/shallow_decoder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "algorithms/optim/optimizer.h"
#include "base/error.h"
#include "engine/models/python_twin.h"
#include "engine/tasks/regression.h"

namespace curvlab {
namespace {

ModelOptions decoder(DecoderNorm norm) {
  ModelOptions s;
  s.name = "shallow_decoder";
  s.widths = {6, 4};
  s.widths_given = true;
  s.batch_norm = norm;
  return s;
}

// Batch norm in training mode over the rows (per feature) or over everything (shared), gamma 1, beta 0.
torch::Tensor bn(const torch::Tensor& x, bool shared) {
  const torch::Tensor mean = shared ? x.mean() : x.mean(0);
  const torch::Tensor var = shared ? x.var(false) : x.var(0, false);
  return (x - mean) / (var + 1e-5).sqrt();
}

TEST(ShallowDecoder, MatchesFormulaInTraining) {
  for (DecoderNorm norm : {DecoderNorm::kFeature, DecoderNorm::kShared, DecoderNorm::kNone}) {
    torch::manual_seed(7);
    auto model = make_model(decoder(norm), {1, 1, 3}, 11);
    auto p = model->named_parameters();
    std::vector<std::string> names = {"learn_features.0.weight", "learn_features.0.bias"};
    if (norm != DecoderNorm::kNone) names.insert(names.end(), {"learn_features.2.weight", "learn_features.2.bias"});
    names.insert(names.end(), {"learn_coef.0.weight", "learn_coef.0.bias"});
    if (norm != DecoderNorm::kNone) names.insert(names.end(), {"learn_coef.2.weight", "learn_coef.2.bias"});
    names.insert(names.end(), {"learn_dictionary.0.weight", "learn_dictionary.0.bias"});
    ASSERT_EQ(p.keys(), names);
    EXPECT_EQ(p["learn_features.0.bias"].abs().max().item<double>(), 0.0);  // the reference's init: zero biases
    auto d = [&](const char* k) { return p[k].detach().to(torch::kFloat64); };
    const torch::Tensor x = torch::randn({9, 1, 1, 3}, torch::kFloat64);
    const bool shared = norm == DecoderNorm::kShared;
    torch::Tensor h = (x.reshape({9, 3}).matmul(d("learn_features.0.weight").t()) + d("learn_features.0.bias")).clamp_min(0);
    if (norm != DecoderNorm::kNone) h = bn(h, shared);
    h = (h.matmul(d("learn_coef.0.weight").t()) + d("learn_coef.0.bias")).clamp_min(0);
    if (norm != DecoderNorm::kNone) h = bn(h, shared);
    const torch::Tensor expected = h.matmul(d("learn_dictionary.0.weight").t()) + d("learn_dictionary.0.bias");
    model->train();
    const torch::Tensor got = model->forward(x.to(torch::kFloat32)).detach().to(torch::kFloat64);
    ASSERT_EQ(got.sizes(), (std::vector<std::int64_t>{9, 11}));
    const double diff = (got - expected).abs().max().item<double>();
    EXPECT_LT(diff, 1e-5) << decoder_norm_names().name(norm) << ": max |out - formula| = " << diff;
  }
}

TEST(ShallowDecoder, SpecStringAndDefaults) {
  ModelOptions s;
  s.name = "shallow_decoder";
  EXPECT_EQ(model_spec_string(s, {1, 1, 5}, 300), "shallow_decoder:1:1:5:300:40x45:relu:0:feature");
  EXPECT_EQ(model_spec_string(decoder(DecoderNorm::kShared), {1, 1, 3}, 7), "shallow_decoder:1:1:3:7:6x4:relu:0:shared");
  auto m = make_model(s, {1, 1, 5}, 300);
  EXPECT_EQ(m->named_parameters()["learn_coef.0.weight"].sizes(), (std::vector<std::int64_t>{45, 40}));
  ModelOptions bad = s;
  bad.widths = {40};
  bad.widths_given = true;
  EXPECT_THROW(make_model(bad, {1, 1, 5}, 300), ConfigError);
}

TEST(ShallowDecoder, MatchesPyTorchTwin) {
  python_twin::check_names_and_shapes({"shallow_decoder:1:1:5:37:40x45:relu:0:feature",
                                       "shallow_decoder:1:1:3:20:6x4:relu:0:shared"});
  python_twin::check_logits({"shallow_decoder:1:1:5:37:40x45:relu:0:feature",
                             "shallow_decoder:1:1:3:20:6x4:tanh:0:shared"},
                            {1, 2});
}

// One training step of the decoder (train mode: batch statistics, MSE, Adam with weight decay)
// against the PyTorch twin doing the same with torch.optim.Adam from the same weights and batch
// (scripts/python/curvlab_models.py --train-step): every parameter and running statistic within 1e-6.
TEST(ShallowDecoder, OneAdamStepMatchesPyTorch) {
  const std::string root = std::string(CURVLAB_BINARY_DIR) + "/shallow_decoder_step_test";
  std::filesystem::remove_all(root);
  std::map<std::string, std::map<std::string, torch::Tensor>> after;  // case -> name -> C++ value after the step
  for (const char* spec : {"shallow_decoder:1:1:5:37:40x45:relu:0:feature", "shallow_decoder:1:1:3:20:6x4:tanh:0:shared"}) {
    const python_twin::Case c = python_twin::parse(spec);
    const std::string name = decoder_norm_names().name(c.model.batch_norm);
    const std::string dir = root + "/" + name;
    std::filesystem::create_directories(dir);
    torch::manual_seed(5);
    Net model = make_model(c.model, c.shape, c.classes);
    const torch::Tensor x = torch::randn({8, c.shape[0], c.shape[1], c.shape[2]});
    const torch::Tensor y = torch::randn({8, c.classes});
    std::ofstream m(dir + "/manifest.txt");
    m << "spec " << spec << "\n";
    python_twin::write_raw(dir + "/input.bin", x);
    m << "input float32 " << python_twin::dims(x) << " input.bin\n";
    python_twin::write_raw(dir + "/target.bin", y);
    m << "target float32 " << python_twin::dims(y) << " target.bin\nadam 0.01 0.0001\n";
    int i = 0;
    const auto add = [&](const std::string& key, const torch::Tensor& t) {
      const std::string file = "t" + std::to_string(i++) + ".bin";
      python_twin::write_raw(dir + "/" + file, t);
      m << "tensor " << key << " " << (t.scalar_type() == torch::kInt64 ? "int64" : "float32") << " "
        << python_twin::dims(t) << " " << file << "\n";
    };
    NamedParams params;
    for (const auto& kv : model->named_parameters()) {
      add(kv.key(), kv.value());
      params.emplace_back(kv.key(), kv.value());
    }
    for (const auto& kv : model->named_buffers()) add(kv.key(), kv.value());
    m.close();
    OptimizerOptions o;
    o.kind = OptimizerKind::kAdam;
    o.lr = 0.01;
    o.weight_decay = 1e-4;
    auto opt = make_optimizer(o, params);
    model->train();
    torch::Tensor sums = torch::zeros({1}, torch::kFloat64);
    RegressionTask().loss(*model, x, y, sums).backward();
    opt->step();
    for (const auto& kv : model->named_parameters()) after[name][kv.key()] = kv.value().detach().clone();
    for (const auto& kv : model->named_buffers()) after[name][kv.key()] = kv.value().detach().clone();
  }
  auto [status, output] = python_twin::run_script("--train-step " + root);
  if (python_twin::torch_missing(output)) GTEST_SKIP() << "/usr/bin/python3 has no torch: " << output;
  ASSERT_EQ(status, 0) << output;
  for (const auto& [name, tensors] : after) {
    for (const auto& [key, mine] : tensors) {
      std::ifstream f(root + "/" + name + "/after_" + key + ".bin", std::ios::binary);
      ASSERT_TRUE(f.good()) << name << " " << key;
      torch::Tensor theirs = torch::empty_like(mine);
      f.read(static_cast<char*>(theirs.data_ptr()), theirs.numel() * theirs.element_size());
      const double diff = (mine.to(torch::kFloat64) - theirs.to(torch::kFloat64)).abs().max().item<double>();
      EXPECT_LE(diff, 1e-6) << name << " " << key << ": max |C++ - torch.optim| after one step = " << diff;
    }
  }
}

}  // namespace
}  // namespace curvlab
