// The hessian job kind (jobs/hessian/hessian_runner.cpp) run in-process on a tiny trained checkpoint
// (35 parameters): hessian.h5 holds the top eigenvalue of the dense Hessian of the mean loss over the
// first hessian.samples training samples (built here with double-backward in float64 from the
// checkpoint's weights; within 1e-3 relative: float32 Hessian-vector products) and a Hutchinson trace
// within 4 standard errors of the exact trace; the run directory gets job.toml and status "done";
// stdout the summary and where the results went; the info datasets and attributes name the
// checkpoint; hessian.samples beyond the split is a ConfigError at the key.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/dataset.h"
#include "engine/dense_hessian.h"
#include "engine/models/model.h"
#include "jobs/capture_output.h"
#include "jobs/hessian/trained_run.h"
#include "jobs/job_kinds.h"

namespace curvlab {
namespace {

using jobs_test::read_file;

std::string hessian_text(const std::string& out, const std::string& ckpt, const std::string& extra = "") {
  return "[job]\nname = \"h\"\nkind = \"hessian\"\noutput_dir = \"" + out + "\"\nseed = 9\n"
         "[comm]\nbackend = \"local\"\n[train]\nthreads = 1\n"
         "[hessian]\ncheckpoint = \"" + ckpt + "\"\nsamples = 40\nbatch_size = 16\ntop_k = 1\neigen_tol = 1e-8\n"
         "trace_tol = 1e-3\ntrace_max_samples = 300\ndensity = false\nper_layer = false\nplots = false\n" + extra;
}

TEST(HessianRunner, ResultsAgainstTheDenseHessian) {
  jobs_test::ScratchDir dir("hessian_runner");
  const JobSpec trained = hessian_test::train_tiny(dir / "run");
  const std::string ckpt = dir / "run/checkpoints/ckpt_00000004.h5";
  const JobSpec spec = parse_job_text(hessian_text(dir / "h", dir / "run"), "h.toml");
  RunOptions options;
  options.quiet = true;
  jobs_test::Capture out(1);
  EXPECT_EQ(run_job(spec, options), 0);
  out.stop();
  EXPECT_NE(out.text().find("hessian of the mean loss over 40 samples, 35 parameters (checkpoint " + ckpt + ")"),
            std::string::npos) << out.text();
  EXPECT_NE(out.text().find("results: " + dir / "h/hessian.h5"), std::string::npos) << out.text();
  EXPECT_EQ(read_file(dir / "h/status"), "done\n");
  EXPECT_EQ(read_file(dir / "h/job.toml"), spec.source_text);

  // Independent: the dense Hessian of the same loss.
  const DataSplits data = load_data(trained.data, trained.job.seed);
  Net model = make_model(trained.model, data.sample_shape, data.num_classes);
  auto in = open_state_file(ckpt);
  {
    torch::NoGradGuard g;
    for (auto& p : model->named_parameters()) p.value().copy_(in->read_tensor("model/" + p.key()));
  }
  model->to(torch::kFloat64);
  model->eval();
  const torch::Tensor h = test_util::dense_hessian(model, data.train.inputs.slice(0, 0, 40).to(torch::kFloat64),
                                                   data.train.targets.slice(0, 0, 40));
  const double top = torch::linalg::eigvalsh(h, "L").max().item<double>();
  const double trace = h.trace().item<double>();

  auto res = open_state_file(dir / "h/hessian.h5");
  EXPECT_EQ(res->read_int("info/samples"), 40);
  EXPECT_EQ(res->read_int("info/params"), 35);
  EXPECT_EQ(res->read_string("info/checkpoint"), ckpt);
  EXPECT_EQ(res->read_string("info/split"), "train");
  EXPECT_EQ(res->read_int("info/world_size"), 1);
  const double got_top = res->read_tensor("eigen/values")[0].item<double>();
  EXPECT_NEAR(got_top, top, 1e-3 * std::abs(top)) << "max diff " << std::abs(got_top - top);
  const double se = res->read_double("trace/total_se");
  EXPECT_NEAR(res->read_double("trace/total"), trace, 4 * se + 1e-9) << "exact " << trace << " +- " << se;
  EXPECT_FALSE(res->has("density"));
  const auto attrs = read_state_attributes(dir / "h/hessian.h5");
  EXPECT_EQ(attrs.at("kind"), "hessian");
  EXPECT_EQ(attrs.at("checkpoint"), ckpt);
  EXPECT_EQ(attrs.at("job_text"), spec.source_text);
}

TEST(HessianRunner, TooManySamplesIsAConfigErrorAndRecorded) {
  jobs_test::ScratchDir dir("hessian_runner_samples");
  hessian_test::train_tiny(dir / "run");
  const JobSpec spec = parse_job_text(hessian_text(dir / "h", dir / "run"), "h.toml", {"hessian.samples=61"});
  RunOptions options;
  options.quiet = true;
  try {
    run_job(spec, options);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--set hessian.samples=61: hessian.samples (61) is larger than the train split (60 samples)"),
              std::string::npos) << e.what();
  }
  EXPECT_NE(read_file(dir / "h/status").find("failed: "), std::string::npos);
}

}  // namespace
}  // namespace curvlab
