// The attack job kind (jobs/attack/attack_runner.cpp) run in-process on a tiny trained checkpoint:
// every (method, norm, kappa, box) run lands in attack.h5 (cw for L2 only, gray box for kappa > 0
// only); the white-box DeepFool and TR records at kappa 0.5 equal the algorithms called here on the
// same pixel-unit images in the same batches (bitwise); gray-box records evaluate kappa-0 attacks on
// the kappa model; status "done"; samples beyond the split and kappas on a tanh model are
// ConfigErrors that write nothing.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "algorithms/attack/deepfool.h"
#include "algorithms/attack/trust_region.h"
#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/models/pixel_net.h"
#include "jobs/attack/attack_model.h"
#include "jobs/capture_output.h"
#include "jobs/hessian/checkpoint_model.h"
#include "jobs/hessian/trained_run.h"
#include "jobs/job_kinds.h"

namespace curvlab {
namespace {

std::string attack_text(const std::string& out, const std::string& ckpt, const std::string& extra = "") {
  return "[job]\nname = \"a\"\nkind = \"attack\"\noutput_dir = \"" + out + "\"\nseed = 3\n"
         "[comm]\nbackend = \"local\"\n[train]\nthreads = 1\n"
         "[attack]\ncheckpoint = \"" + ckpt + "\"\nsplit = \"train\"\nsamples = 20\nbatch_size = 6\n"
         "methods = [\"fgsm\", \"ifgsm\", \"deepfool\", \"tr\", \"cw\"]\nnorm = [\"l2\", \"linf\"]\n"
         "kappas = [0, 0.5]\nsave_examples = 2\nplots = false\ntop_c = 3\n"
         "[attack.cw]\nbinary_steps = 2\nmax_iter = 30\n[attack.tr]\nmax_iter = 300\n" + extra;
}

TEST(AttackRunner, RunsEveryMethodAndMatchesTheAlgorithms) {
  jobs_test::ScratchDir dir("attack_runner");
  hessian_test::train_tiny(dir / "run");
  const JobSpec spec = parse_job_text(attack_text(dir / "a", dir / "run"), "a.toml");
  RunOptions options;
  options.quiet = true;
  jobs_test::Capture out(1);
  ASSERT_EQ(run_job(spec, options), 0);
  out.stop();
  EXPECT_NE(out.text().find("attacks on 20 train images"), std::string::npos) << out.text();
  EXPECT_EQ(jobs_test::read_file(dir / "a/status"), "done\n");
  auto h5 = open_state_file(dir / "a/attack.h5");
  const std::vector<std::string> runs = h5->children("runs");
  // 5 methods x 2 norms - cw linf = 9, each white at kappa 0 and 0.5 and gray at 0.5.
  EXPECT_EQ(runs.size(), 27u);
  EXPECT_TRUE(h5->has("runs/cw_l2_k0.5_gray/images/l2"));
  EXPECT_FALSE(h5->has("runs/cw_linf_k0"));
  EXPECT_FALSE(h5->has("runs/tr_l2_k0_gray"));
  EXPECT_EQ(h5->read_tensor("runs/tr_l2_k0.5/examples/clean").size(0), 2);
  for (const char* csv : {"attack_summary.csv", "attack_images.csv", "attack_accuracy.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / ("a/" + std::string(csv)))) << csv;
  }

  // Independent: the algorithms on the same model, images and batches.
  const CheckpointModel loaded = load_checkpoint_model(dir / "run/checkpoints/ckpt_00000004.h5", nullptr);
  auto kappa = [&](double k) {
    auto p = std::make_shared<PixelNetImpl>(
        with_kappa(loaded.model, loaded.model_spec, k, loaded.data.sample_shape, loaded.data.num_classes),
        loaded.data.mean, loaded.data.stdev);
    p->eval();
    return p;
  };
  const auto m5 = kappa(0.5), m0 = kappa(0.0);
  const torch::Tensor x = m5->to_pixels(loaded.data.train.inputs.slice(0, 0, 20));
  const torch::Tensor y = loaded.data.train.targets.slice(0, 0, 20);
  const InputBox box = pixel_box(m5->to_pixels(loaded.data.train.inputs));
  EXPECT_DOUBLE_EQ(h5->read_double("info/box_lo"), box.lo);
  DeepFoolOptions df;
  df.top_c = 3;
  TrustRegionOptions tr;
  tr.top_c = 3;
  tr.max_iter = 300;
  for (std::int64_t lo = 0; lo < 20; lo += 6) {
    const std::int64_t hi = std::min<std::int64_t>(20, lo + 6);
    const torch::Tensor xb = x.slice(0, lo, hi), yb = y.slice(0, lo, hi);
    const AttackResult d = deepfool(*m5, xb, yb, AttackNorm::kLinf, box, df);
    const torch::Tensor dl = image_norm((d.adversarial - xb).to(torch::kFloat64), AttackNorm::kLinf);
    EXPECT_TRUE(h5->read_tensor("runs/deepfool_linf_k0.5/images/linf").slice(0, lo, hi).equal(dl));
    EXPECT_TRUE(h5->read_tensor("runs/deepfool_linf_k0.5/images/iterations").slice(0, lo, hi).equal(d.iterations));
    const AttackResult t = trust_region(*m5, xb, yb, AttackNorm::kL2, box, tr);
    const torch::Tensor tl = image_norm((t.adversarial - xb).to(torch::kFloat64), AttackNorm::kL2);
    EXPECT_TRUE(h5->read_tensor("runs/tr_l2_k0.5/images/l2").slice(0, lo, hi).equal(tl));
    EXPECT_TRUE(h5->read_tensor("runs/tr_l2_k0.5/images/target").slice(0, lo, hi).equal(t.target));
    // Gray box: TR crafted on kappa 0, judged by the kappa-0.5 model.
    const AttackResult g = trust_region(*m0, xb, yb, AttackNorm::kL2, box, tr);
    torch::NoGradGuard no_grad;
    const torch::Tensor fooled =
        m5->forward(xb).argmax(1).eq(yb).logical_and(m5->forward(g.adversarial).argmax(1).ne(yb));
    EXPECT_TRUE(h5->read_tensor("runs/tr_l2_k0.5_gray/images/success").slice(0, lo, hi).to(torch::kBool).equal(fooled));
  }
}

TEST(AttackRunner, BadInputWritesNothing) {
  jobs_test::ScratchDir dir("attack_runner_bad");
  hessian_test::train_tiny(dir / "run");
  RunOptions options;
  options.quiet = true;
  JobSpec many = parse_job_text(attack_text(dir / "a", dir / "run"), "a.toml");
  many.attack.samples = 61;  // the split has 60
  EXPECT_THROW(run_job(many, options), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(dir / "a"));
  const JobSpec tanh = parse_job_text(
      attack_text(dir / "b", dir / "run") + "[model]\nname = \"mlp\"\nwidths = [4]\nactivation = \"tanh\"\n", "b.toml");
  EXPECT_THROW(run_job(tanh, options), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(dir / "b"));
  const JobSpec missing = parse_job_text(attack_text(dir / "c", dir / "nothing"), "c.toml");
  EXPECT_THROW(run_job(missing, options), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(dir / "c"));
}

}  // namespace
}  // namespace curvlab
