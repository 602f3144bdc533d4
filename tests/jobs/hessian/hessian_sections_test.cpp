// The hessian kind's sections (jobs/hessian/hessian_sections.cpp): [hessian] and [quant] left out
// keep HessianOptions' and QuantOptions' defaults; every key read; the rules (a hessian job needs a
// checkpoint and something to compute, HAWQ needs traces, trace sample bounds, one tracking cadence,
// strictly increasing bits) each a ConfigError at the key; train jobs read [hessian] for tracking
// without the hessian-job rules.
#include "jobs/hessian/hessian_sections.h"

#include <gtest/gtest.h>

#include "jobs/bad_job_cases.h"
#include <string>
#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

using bad_job::BadCase;

const std::string kHessianJob = "[job]\nkind = \"hessian\"\noutput_dir = \"h\"\n[hessian]\ncheckpoint = \"runs/x\"\n";

TEST(HessianSections, DefaultsAndEveryKey) {
  const JobSpec d = parse_job_text(kHessianJob, "h.toml");
  const HessianOptions h;
  EXPECT_EQ(d.hessian.checkpoint, "runs/x");
  EXPECT_EQ(d.hessian.samples, h.samples);
  EXPECT_EQ(d.hessian.batch_size, h.batch_size);
  EXPECT_EQ(d.hessian.top_k, h.top_k);
  EXPECT_EQ(d.hessian.trace, h.trace);
  EXPECT_EQ(d.hessian.density_points, h.density_points);
  EXPECT_EQ(d.quant.bits, QuantOptions().bits);
  const JobSpec s = parse_job_text(kHessianJob +
                                       "split = \"test\"\nsamples = 50\nbatch_size = 8\nmodel_mode = \"train\"\n"
                                       "cache_graph = false\ntrace = true\neigenvalues = false\ndensity = false\n"
                                       "hawq = true\nper_layer = false\ntrace_parallel = \"samples\"\ntrace_tol = 0.05\n"
                                       "trace_min_samples = 3\ntrace_max_samples = 30\ntop_k = 2\neigen_method = \"power\"\n"
                                       "eigen_tol = 1e-5\neigen_max_iter = 7\nslq_runs = 2\nslq_steps = 9\nslq_sigma = 0.1\n"
                                       "density_points = 20\nplots = false\n"
                                       "[quant]\nbits = [2, 4, 8]\ngroups = 2\npercentile = 99.5\nfix_first_last = false\n"
                                       "fixed_bits = 6\nbudget_mb = 0.5\neval_points = 3\neval_samples = 100\n",
                                   "h.toml");
  const HessianOptions& r = s.hessian;
  EXPECT_EQ(split_names().name(r.split), "test");
  EXPECT_EQ(r.samples, 50);
  EXPECT_EQ(r.batch_size, 8);
  EXPECT_EQ(model_mode_names().name(r.model_mode), "train");
  EXPECT_FALSE(r.cache_graph);
  EXPECT_FALSE(r.eigenvalues);
  EXPECT_FALSE(r.density);
  EXPECT_TRUE(r.hawq);
  EXPECT_FALSE(r.per_layer);
  EXPECT_EQ(trace_parallel_names().name(r.trace_parallel), "samples");
  EXPECT_DOUBLE_EQ(r.trace_tol, 0.05);
  EXPECT_EQ(r.trace_min_samples, 3);
  EXPECT_EQ(r.trace_max_samples, 30);
  EXPECT_EQ(r.top_k, 2);
  EXPECT_EQ(eigen_method_names().name(r.eigen_method), "power");
  EXPECT_DOUBLE_EQ(r.eigen_tol, 1e-5);
  EXPECT_EQ(r.eigen_max_iter, 7);
  EXPECT_EQ(r.slq_runs, 2);
  EXPECT_EQ(r.slq_steps, 9);
  EXPECT_DOUBLE_EQ(r.slq_sigma, 0.1);
  EXPECT_EQ(r.density_points, 20);
  EXPECT_FALSE(r.plots);
  EXPECT_EQ(s.quant.bits, (std::vector<std::int64_t>{2, 4, 8}));
  EXPECT_EQ(s.quant.quantizer.groups, 2);
  EXPECT_DOUBLE_EQ(s.quant.quantizer.percentile, 99.5);
  EXPECT_FALSE(s.quant.fix_first_last);
  EXPECT_EQ(s.quant.fixed_bits, 6);
  EXPECT_DOUBLE_EQ(s.quant.budget_mb, 0.5);
  EXPECT_EQ(s.quant.eval_points, 3);
  EXPECT_EQ(s.quant.eval_samples, 100);
}

TEST(HessianSections, RulesPointAtTheKey) {
  const std::string job = "[job]\nkind = \"hessian\"\noutput_dir = \"h\"\n";
  const BadCase cases[] = {
      {"NoCheckpoint", job + "[hessian]\ntrace = true\n", {}, {"job.toml:4:1: job.kind = \"hessian\" needs hessian.checkpoint"}},
      {"NoCheckpointNoSection", job, {}, {"job.toml: job.kind = \"hessian\" needs hessian.checkpoint"}},
      {"ComputesNothing", kHessianJob + "trace = false\neigenvalues = false\ndensity = false\n", {},
       {"job.toml:6:9: the hessian job computes nothing"}},
      {"HawqWithoutTrace", kHessianJob + "trace = false\nhawq = true\n", {},
       {"job.toml:7:8: hessian.hawq = true needs the per-layer traces"}},
      {"TraceBounds", kHessianJob + "trace_min_samples = 20\ntrace_max_samples = 10\n", {},
       {"job.toml:6:21: hessian.trace_min_samples must be <= hessian.trace_max_samples (got 20 > 10)"}},
      {"TraceMinOne", kHessianJob + "trace_min_samples = 1\n", {}, {"hessian.trace_min_samples must be >= 2 (got 1)"}},
      {"DensityPoints", kHessianJob + "density_points = 5\n", {}, {"hessian.density_points must be >= 10 (got 5)"}},
      {"BadSplit", kHessianJob + "split = \"val\"\n", {}, {"hessian.split must be one of train, test (got \"val\")"}},
      {"TwoCadences", "[job]\noutput_dir = \"o\"\n[hessian]\ntrack_every_epochs = 1\ntrack_every_steps = 5\n", {},
       {"job.toml:5:21: set only one of hessian.track_every_epochs and hessian.track_every_steps"}},
      {"BitsEmpty", kHessianJob + "[quant]\nbits = []\n", {}, {"job.toml:7:8: quant.bits must list at least one bit width"}},
      {"BitsOrder", kHessianJob + "[quant]\nbits = [4, 2]\n", {}, {"quant.bits must be strictly increasing (got 4 then 2)"}},
      {"BitsRange", kHessianJob + "[quant]\nbits = [1, 4]\n", {}, {"quant.bits[0] must be in [2, 16] (got 1)"}},
      {"Percentile", kHessianJob + "[quant]\npercentile = 40\n", {}, {"quant.percentile must be in [50, 100] (got 40)"}},
  };
  for (const BadCase& c : cases) bad_job::check_case(c);
}

TEST(HessianSections, TrainJobsReadTrackingWithoutHessianJobRules) {
  const JobSpec s = parse_job_text("[job]\noutput_dir = \"o\"\n[hessian]\ntrack_every_steps = 5\nsamples = 64\n", "t.toml");
  EXPECT_EQ(s.job.kind, "train");
  EXPECT_EQ(s.hessian.track_every_steps, 5);
  EXPECT_EQ(s.hessian.samples, 64);
  EXPECT_TRUE(s.hessian.checkpoint.empty());  // no checkpoint needed: tracking uses the run's own model
}

// ---- moved from tests/algorithms/hessian/hessian_job_spec_test.cpp ----

std::string spec_error_of(const std::string& text) {
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
  EXPECT_NE(spec_error_of(head).find("hessian.checkpoint"), std::string::npos) << spec_error_of(head);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\ntrace = false\neigenvalues = false\ndensity = false\n")
                .find("computes nothing"),
            std::string::npos);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\ntrace = false\nhawq = true\n").find("h.toml:7:"),
            std::string::npos);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\ntrace_min_samples = 50\ntrace_max_samples = 20\n")
                .find("h.toml:6:"),
            std::string::npos);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\neigen_method = \"arnoldi\"\n").find("lanczos"),
            std::string::npos);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\n[quant]\nbits = [4, 2]\n").find("strictly increasing"),
            std::string::npos);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\n[quant]\nbits = [1, 2]\n").find("quant.bits"),
            std::string::npos);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\ntop_k = 0\n").find("hessian.top_k"), std::string::npos);
  EXPECT_NE(spec_error_of(head + "[hessian]\ncheckpoint = \"c\"\nsamplez = 3\n").find("did you mean"), std::string::npos);
  // A train job may carry [hessian] tracking keys without a checkpoint.
  EXPECT_EQ(spec_error_of("[job]\noutput_dir = \"o\"\n[hessian]\ntrack_every_epochs = 1\n"), "");
  EXPECT_NE(spec_error_of("[job]\noutput_dir = \"o\"\n[hessian]\ntrack_every_epochs = 1\ntrack_every_steps = 5\n")
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
