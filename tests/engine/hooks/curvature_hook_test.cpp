// The curvature-tracking hook (engine/hooks/curvature_hook.cpp): at the evaluations where it is due
// (every hessian.track_every_steps steps) it appends the top Hessian eigenvalue and the Hutchinson
// trace of the mean loss over the first hessian.samples training samples. Checked against the dense
// Hessian of that loss, built here row by row with double-backward in float64 on the model of the
// checkpoint written at the same step (35 parameters): the top eigenvalue within 1e-3 relative
// (float32 Hessian-vector products), the trace within 4 standard errors of the estimate. The table is
// saved in checkpoints and results.h5, written to hessian_tracking.csv, and restored on resume (a
// stopped and resumed run gives the same rows, bitwise, and tracks at the same steps).
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/data/dataset.h"
#include "engine/dense_hessian.h"
#include "engine/hooks/curvature_hook.h"
#include "engine/models/model.h"
#include "engine/run_files.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;
using test_util::read_csv;

TrainerOptions tiny(const std::string& out) {
  TrainerOptions o = test_util::tiny_options(out);
  o.data.synthetic_train = 60;
  o.data.synthetic_test = 20;
  o.data.synthetic_shape = {1, 2, 2};
  o.model.widths = {4};  // 4*4 + 4 + 3*4 + 3 = 35 parameters
  o.batch_size = 10;
  o.lr.base_batch = 10;
  o.steps = 6;
  o.eval_every_steps = 3;
  o.checkpoint_every_steps = 3;
  return o;
}

HessianOptions tracking() {
  HessianOptions h;
  h.track_every_steps = 3;
  h.samples = 40;
  h.batch_size = 16;  // 40 samples in chunks of 16, 16, 8
  h.top_k = 1;
  h.eigen_tol = 1e-8;
  h.eigen_max_iter = 100;
  h.trace = true;
  h.trace_tol = 1e-3;
  h.trace_max_samples = 400;
  h.plots = false;
  return h;
}

HookFactory curvature(const HessianOptions& h) {
  return [h](TrainContext& c) { return std::make_unique<CurvatureHook>(h, 25.0, c); };
}

using test_util::dense_hessian;

TEST(CurvatureHook, TracksTheDenseHessiansTopEigenvalueAndTrace) {
  const std::string out = test_util::temp_dir("curvature_hook_test", "dense");
  const TrainerOptions o = tiny(out);
  test_util::run_trainer(o, RunMode::kFresh, {curvature(tracking())});
  const auto table = read_csv(out + "/hessian_tracking.csv");
  ASSERT_EQ(table.at("step"), (std::vector<double>{3, 6}));

  const DataSplits data = load_data(o.data, o.seed);
  const torch::Tensor x = data.train.inputs.slice(0, 0, 40).to(torch::kFloat64);
  const torch::Tensor y = data.train.targets.slice(0, 0, 40);
  auto results = open_state_file(out + "/results.h5");
  for (std::size_t row = 0; row < 2; ++row) {
    const int step = row == 0 ? 3 : 6;
    SCOPED_TRACE("step " + std::to_string(step));
    Net model = make_model(o.model, data.sample_shape, data.num_classes);
    auto ckpt = open_state_file(out + "/checkpoints/ckpt_0000000" + std::to_string(step) + ".h5");
    {
      torch::NoGradGuard g;
      for (auto& p : model->named_parameters()) p.value().copy_(ckpt->read_tensor("model/" + p.key()));
    }
    model->to(torch::kFloat64);
    const torch::Tensor h = dense_hessian(model, x, y);
    ASSERT_EQ(h.size(0), 35);
    const double asym = (h - h.t()).abs().max().item<double>();
    ASSERT_LT(asym, 1e-10) << "the dense Hessian is not symmetric";
    const double top = torch::linalg::eigvalsh(h, "L").max().item<double>();
    const double trace = h.trace().item<double>();
    // Read from results.h5 for full precision (the CSV has 9 digits).
    const auto col = [&](const char* c) { return results->read_tensor(std::string("metrics/hessian_tracking/") + c)[row].item<double>(); };
    EXPECT_NEAR(col("top_eigenvalue"), top, 1e-3 * std::abs(top)) << "max diff " << std::abs(col("top_eigenvalue") - top);
    const double se = col("trace_se");
    EXPECT_GT(se, 0);
    EXPECT_NEAR(col("trace"), trace, 4 * se + 1e-9) << "exact trace " << trace << ", estimate " << col("trace") << " +- " << se;
    EXPECT_GT(col("hvps"), 0);
    EXPECT_EQ(col("step"), step);
    EXPECT_NEAR(table.at("top_eigenvalue")[row], col("top_eigenvalue"), 1e-8 * std::abs(top));  // the CSV is the table
  }
  fs::remove_all(out);
}

TEST(CurvatureHook, TableIsCheckpointedAndRestoredOnResume) {
  const std::string a = test_util::temp_dir("curvature_hook_test", "full"), b = test_util::temp_dir("curvature_hook_test", "resumed");
  TrainerOptions o = tiny(a);
  HessianOptions h = tracking();
  h.trace = false;
  test_util::run_trainer(o, RunMode::kFresh, {curvature(h)});
  o.output_dir = b;
  std::int64_t polls = 0;
  TrainerCallbacks stop;  // stops after step 4: tracked at 3, next due at 6
  stop.stop_requested = [&] { return ++polls > 4; };
  test_util::run_trainer(o, RunMode::kFresh, {curvature(h)}, stop);
  EXPECT_EQ(open_state_file(b + "/checkpoints/ckpt_00000004.h5")->read_tensor("metrics/hessian_tracking/step").numel(), 1);
  test_util::run_trainer(o, RunMode::kResume, {curvature(h)});
  const auto ta = read_csv(a + "/hessian_tracking.csv"), tb = read_csv(b + "/hessian_tracking.csv");
  EXPECT_EQ(tb.at("step"), (std::vector<double>{3, 6}));
  EXPECT_EQ(ta.at("top_eigenvalue"), tb.at("top_eigenvalue"));
  EXPECT_EQ(ta.at("residual"), tb.at("residual"));
  for (double v : tb.at("trace")) EXPECT_TRUE(std::isnan(v));  // hessian.trace off
  // A run without the hook writes no table at all (files of runs that never track are unchanged).
  const std::string off = test_util::temp_dir("curvature_hook_test", "off");
  o.output_dir = off;
  test_util::run_trainer(o);
  EXPECT_FALSE(fs::exists(off + "/hessian_tracking.csv"));
  EXPECT_FALSE(open_state_file(off + "/results.h5")->has("metrics/hessian_tracking"));
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(off);
}

}  // namespace
}  // namespace curvlab
