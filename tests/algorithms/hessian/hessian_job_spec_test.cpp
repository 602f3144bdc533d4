// The [hessian] and [quant] job-file sections: defaults, values read, and the errors (with
// file:line:column) for a hessian job without a checkpoint, one that computes nothing, bad
// ranges and bad choices; examples/hessian.toml parses as a hessian job.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_job_text(text, "h.toml", {});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(HessianJobSpec, ReadsTheSections) {
  const JobSpec s = parse_job_text(
      "[job]\nkind = \"hessian\"\noutput_dir = \"o\"\n[hessian]\ncheckpoint = \"runs/x\"\nsamples = 64\n"
      "trace_parallel = \"samples\"\neigen_method = \"power\"\nhawq = true\n[quant]\nbits = [3, 4]\n"
      "granularity = \"group\"\ngroups = 2\nbudget_mb = 0.5\n",
      "h.toml", {});
  EXPECT_EQ(s.job.kind, "hessian");
  EXPECT_EQ(s.hessian.checkpoint, "runs/x");
  EXPECT_EQ(s.hessian.samples, 64);
  EXPECT_EQ(s.hessian.trace_parallel, TraceParallel::kSamples);
  EXPECT_EQ(s.hessian.eigen_method, EigenMethod::kPower);
  EXPECT_TRUE(s.hessian.hawq);
  EXPECT_EQ(s.quant.bits, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(s.quant.quantizer.granularity, Granularity::kGroup);
  EXPECT_DOUBLE_EQ(s.quant.budget_mb, 0.5);
  // Defaults.
  EXPECT_EQ(s.hessian.split, DataSplit::kTrain);
  EXPECT_EQ(s.hessian.model_mode, ModelMode::kEval);
  EXPECT_EQ(s.hessian.top_k, 3);
  EXPECT_TRUE(s.quant.fix_first_last);
}

TEST(HessianJobSpec, ErrorsPointAtTheKey) {
  const std::string head = "[job]\nkind = \"hessian\"\noutput_dir = \"o\"\n";
  EXPECT_NE(error_of(head).find("hessian.checkpoint"), std::string::npos) << error_of(head);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\ntrace = false\neigenvalues = false\ndensity = false\n")
                .find("computes nothing"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\ntrace = false\nhawq = true\n").find("h.toml:7:"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\ntrace_min_samples = 50\ntrace_max_samples = 20\n")
                .find("h.toml:6:"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\neigen_method = \"arnoldi\"\n").find("lanczos"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\n[quant]\nbits = [4, 2]\n").find("strictly increasing"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\n[quant]\nbits = [1, 2]\n").find("quant.bits"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\ntop_k = 0\n").find("hessian.top_k"), std::string::npos);
  EXPECT_NE(error_of(head + "[hessian]\ncheckpoint = \"c\"\nsamplez = 3\n").find("did you mean"), std::string::npos);
  // A train job may carry [hessian] tracking keys without a checkpoint.
  EXPECT_EQ(error_of("[job]\noutput_dir = \"o\"\n[hessian]\ntrack_every_epochs = 1\n"), "");
  EXPECT_NE(error_of("[job]\noutput_dir = \"o\"\n[hessian]\ntrack_every_epochs = 1\ntrack_every_steps = 5\n")
                .find("only one"),
            std::string::npos);
}

TEST(HessianJobSpec, ExampleIsAHessianJob) {
  const JobSpec s = load_job_file(CURVLAB_SOURCE_DIR "/examples/hessian.toml");
  EXPECT_EQ(s.job.kind, "hessian");
  EXPECT_EQ(s.hessian.checkpoint, "runs/default");
  EXPECT_TRUE(s.hessian.hawq);
}

}  // namespace
}  // namespace curvlab
