// Attack-study results (jobs/attack/attack_results.cpp) on a hand-made run of 4 images: the run
// names, the summary (clean accuracy, success rate among the correctly classified, relative sizes
// over the fooled images only, images per second), accuracy against eps for a minimal attack
// (fooled within eps counts as wrong) and for fgsm (from correct_at_eps), the HDF5 datasets and
// the three CSV files.
#include "jobs/attack/attack_results.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/state_io.h"
#include "engine/checkpoint/checkpointer.h"

namespace curvlab {
namespace {

AttackRun four_images() {
  AttackRun r;
  r.method = AttackMethod::kDeepFool;
  r.norm = AttackNorm::kL2;
  r.eps = {0.5, 1.0, 2.0};
  r.allocate(4, 0, {1, 2, 2});
  r.label = torch::tensor({0, 1, 2, 1}, torch::kInt64);
  r.clean_pred = torch::tensor({0, 1, 0, 1}, torch::kInt64);  // image 2 misclassified from the start
  r.pred = torch::tensor({1, 1, 0, 0}, torch::kInt64);
  r.success = torch::tensor({true, false, false, true});
  r.l2 = torch::tensor({0.8, 3.0, 0.0, 1.5}, torch::kFloat64);
  r.rel_l2 = torch::tensor({0.1, 0.5, 0.0, 0.3}, torch::kFloat64);
  r.seconds = torch::full({4}, 0.25, torch::kFloat64);
  return r;
}

TEST(AttackResults, NamesSummaryAndAccuracy) {
  AttackRun r = four_images();
  EXPECT_EQ(r.name(), "deepfool_l2");
  AttackRun k = r;
  k.has_kappa = true;
  k.kappa = 0.5;
  k.gray = true;
  EXPECT_EQ(k.name(), "deepfool_l2_k0.5_gray");
  fill_correct_at_eps(r);
  const AttackSummary s = summarize(r);
  EXPECT_EQ(s.images, 4);
  EXPECT_DOUBLE_EQ(s.clean_accuracy, 0.75);
  EXPECT_DOUBLE_EQ(s.success_rate, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.mean_rel, 0.2);
  EXPECT_DOUBLE_EQ(s.max_rel, 0.3);
  EXPECT_DOUBLE_EQ(s.mean_size, 1.15);
  EXPECT_DOUBLE_EQ(s.images_per_second, 4.0);
  // eps 0.5: images 0, 1, 3 correct; 1.0: image 0 fooled at 0.8; 2.0: image 3 fooled at 1.5 too.
  EXPECT_EQ(s.accuracy, (std::vector<double>{0.75, 0.5, 0.25}));
  AttackRun f = four_images();
  f.method = AttackMethod::kFgsm;
  f.correct_at_eps = torch::tensor({true, true, false, true, false, false, false, true, false, false, false, true})
                         .view({4, 3});
  fill_correct_at_eps(f);  // leaves fgsm's own record
  EXPECT_EQ(summarize(f).accuracy, (std::vector<double>{0.5, 0.5, 0.25}));
}

TEST(AttackResults, NothingFooledGivesNaNSizes) {
  AttackRun r = four_images();
  r.success.fill_(false);
  const AttackSummary s = summarize(r);
  EXPECT_EQ(s.success_rate, 0.0);
  EXPECT_TRUE(std::isnan(s.mean_rel));
}

TEST(AttackResults, Files) {
  const std::string dir = (std::filesystem::temp_directory_path() / "curvlab_attack_results_test").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  AttackRun r = four_images();
  fill_correct_at_eps(r);
  write_state_file(dir + "/a.h5", [&](StateWriter& w) { save_attack_runs({r}, w); }, {});
  auto in = open_state_file(dir + "/a.h5");
  EXPECT_EQ(in->read_string("runs/deepfool_l2/method"), "deepfool");
  EXPECT_TRUE(in->read_tensor("runs/deepfool_l2/images/l2").equal(r.l2));
  EXPECT_EQ(in->read_tensor("runs/deepfool_l2/images/success").sum().item<std::int64_t>(), 2);
  EXPECT_DOUBLE_EQ(in->read_double("runs/deepfool_l2/success_rate"), 2.0 / 3.0);
  write_attack_csvs({r}, dir);
  auto lines = [](const std::string& path) {
    std::ifstream f(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(f, l);) out.push_back(l);
    return out;
  };
  const auto summary = lines(dir + "/attack_summary.csv"), images = lines(dir + "/attack_images.csv"),
             accuracy = lines(dir + "/attack_accuracy.csv");
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[1].rfind("deepfool_l2,deepfool,l2,,white,4,0.75,", 0), 0u) << summary[1];
  EXPECT_EQ(images.size(), 5u);
  EXPECT_EQ(images[1].rfind("deepfool_l2,0,0,0,1,-1,1,", 0), 0u) << images[1];
  ASSERT_EQ(accuracy.size(), 4u);
  EXPECT_EQ(accuracy[2], "deepfool_l2,deepfool,l2,,white,1,0.5");
  EXPECT_NE(format_attack_table({r}).find("deepfool_l2"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
