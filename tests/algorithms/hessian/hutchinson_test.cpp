// Tests of algorithms/hessian/hutchinson.cpp: the trace of the tiny float64 MLP's exact Hessian
// within 3 standard errors (layers summing to the total), the stopping rule, mean_and_se by hand,
// and exactness on a diagonal operator (every Rademacher probe gives z^T D z = Tr(D) exactly, so
// the estimate is exact and stops at the minimum number of probes).
#include "algorithms/hessian/hutchinson.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/tiny_problem.h"
#include "base/error.h"

namespace curvlab {
namespace {
using testing_hessian::as_operator;
using testing_hessian::blocks_of;
using testing_hessian::dense_operator;
using testing_hessian::make_tiny_problem;
using testing_hessian::TinyProblem;

TEST(Hutchinson, TraceWithinThreeStandardErrorsAndLayersSumToTotal) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  const double exact = p.dense.trace().item<double>();
  TraceOptions o;
  o.tol = 0;  // never stop early
  o.max_samples = 400;
  o.seed = 11;
  TraceResult r = hutchinson_trace(as_operator(hvp), blocks_of(hvp), o);
  EXPECT_EQ(r.samples, 400);
  EXPECT_EQ(r.hvps, 400);
  EXPECT_FALSE(r.converged);
  EXPECT_LT(std::fabs(r.total.mean - exact), 3 * r.total.se)
      << "estimate " << r.total.mean << " +- " << r.total.se << ", exact " << exact;
  double sum = 0;
  for (std::size_t g = 0; g < r.groups.size(); ++g) {
    sum += r.groups[g].mean;
    const auto& grp = hvp.groups()[g];
    const double block_exact =
        p.dense.diagonal().slice(0, grp.offset, grp.offset + grp.numel).sum().item<double>();
    EXPECT_LT(std::fabs(r.groups[g].mean - block_exact), 3 * r.groups[g].se + 1e-12) << grp.name;
  }
  EXPECT_NEAR(sum, r.total.mean, 1e-9 * std::max(1.0, std::fabs(r.total.mean)));
  // Standard error shrinks like 1/sqrt(n): SE after 100 probes vs after 400 is about 2.
  const double ratio = r.running_se[99] / r.running_se[399];
  EXPECT_GT(ratio, 1.5);
  EXPECT_LT(ratio, 2.7);
}

TEST(Hutchinson, StopsAtTheRelativeTolerance) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  TraceOptions o;
  o.tol = 0.05;
  o.min_samples = 5;
  o.max_samples = 5000;
  TraceResult r = hutchinson_trace(as_operator(hvp), {}, o);
  EXPECT_TRUE(r.converged);
  EXPECT_LE(r.total.se, 0.05 * std::fabs(r.total.mean));
  EXPECT_LT(r.samples, 5000);
  // One probe fewer would not have met the rule (or was below min_samples).
  if (r.samples > 5) EXPECT_GT(r.running_se[r.samples - 2], 0.05 * std::fabs(r.running_mean[r.samples - 2]));
}

TEST(Hutchinson, MeanAndStandardErrorByHand) {
  // {1, 2, 3, 4}: mean 2.5, sample variance 5/3, SE = sqrt(5/3 / 4).
  const Estimate e = mean_and_se({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(e.mean, 2.5);
  EXPECT_NEAR(e.se, std::sqrt(5.0 / 3.0 / 4.0), 1e-15);
  // Fewer than two values: the mean is known, its standard error is not (NaN, never 0).
  const Estimate one = mean_and_se({7});
  EXPECT_EQ(one.mean, 7);
  EXPECT_TRUE(std::isnan(one.se));
  const Estimate none = mean_and_se({});
  EXPECT_EQ(none.mean, 0);
  EXPECT_TRUE(std::isnan(none.se));
  EXPECT_TRUE(std::isnan(Estimate{}.se));
}

TEST(Hutchinson, ExactOnADiagonalOperator) {
  const torch::Tensor d = torch::tensor({1.5, -2.0, 3.0, 0.25, 4.0, -0.5}, torch::kFloat64);
  TraceOptions o;
  o.tol = 1e-3;
  o.min_samples = 6;
  o.max_samples = 100;
  o.seed = 3;
  const TraceResult r = hutchinson_trace(dense_operator(torch::diag(d)), {{0, 2}, {2, 4}}, o);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.samples, 6);  // SE = 0 from the first probes: stops at min_samples
  EXPECT_EQ(r.hvps, 6);
  for (double v : r.per_probe) EXPECT_NEAR(v, 6.25, 1e-14);
  EXPECT_NEAR(r.total.mean, 6.25, 1e-14);
  EXPECT_NEAR(r.total.se, 0.0, 1e-14);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_NEAR(r.groups[0].mean, -0.5, 1e-14);
  EXPECT_NEAR(r.groups[1].mean, 6.75, 1e-14);
  ASSERT_EQ(r.running_mean.size(), 6u);
  ASSERT_EQ(r.running_se.size(), 6u);
  EXPECT_TRUE(std::isnan(r.running_se[0])) << "after one probe the standard error is unknown";
}

TEST(Hutchinson, SampleCountsMustBePositive) {
  const LinearOperator op = dense_operator(torch::eye(2, torch::kFloat64));
  TraceOptions o;
  o.min_samples = 0;
  EXPECT_THROW(hutchinson_trace(op, {}, o), ConfigError);
  o.min_samples = 1;
  o.max_samples = 0;
  EXPECT_THROW(hutchinson_trace(op, {}, o), ConfigError);
  // max_samples ends the run before the tolerance is looked at (min_samples = max_samples).
  o.min_samples = 3;
  o.max_samples = 3;
  o.tol = 1.0;
  const TraceResult r = hutchinson_trace(dense_operator(torch::diag(torch::tensor({1.0, 2.0}, torch::kFloat64))), {}, o);
  EXPECT_EQ(r.samples, 3);
  EXPECT_FALSE(r.converged);
  EXPECT_NEAR(r.total.mean, 3.0, 1e-15);
}

}  // namespace
}  // namespace curvlab
