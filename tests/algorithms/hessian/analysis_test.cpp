// Tests of algorithms/hessian/analysis.cpp on the tiny float64 MLP of tiny_problem.h: every
// estimate analyze_hessian reports against the exact dense Hessian -- each Hutchinson probe value
// and each layer's share reproduced from the documented probe seeds (1e-8 relative), parameter
// traces summing to their layer's (1e-10), top eigenvalues whole and per layer (1e-4 relative, the
// Lanczos tolerance), the density bitwise equal to slq_density with the documented seed; the
// loss and gradient norm against autograd (1e-12); sample-parallel traces; and the HDF5 layout
// of save_hessian_report against the table in docs/hessian.md.
#include "algorithms/hessian/analysis.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <set>

#include "algorithms/hessian/tiny_problem.h"
#include "algorithms/map_state.h"
#include "base/error.h"
#include "base/seeding.h"
#include "comm/local/local_communicator.h"

namespace curvlab {
namespace {
using testing_hessian::as_operator;
using testing_hessian::make_tiny_problem;
using testing_hessian::TinyProblem;
using testing_state::MapState;

double rel(double got, double want) { return std::fabs(got - want) / std::max(1.0, std::fabs(want)); }

HessianOptions quick_options() {
  HessianOptions s;
  s.trace_tol = 0;  // a fixed number of probes
  s.trace_min_samples = 5;
  s.trace_max_samples = 12;
  s.top_k = 2;
  s.eigen_tol = 1e-10;
  s.eigen_max_iter = 200;
  s.slq_runs = 3;
  s.slq_steps = 20;
  s.density_points = 500;
  return s;
}

TEST(HessianAnalysis, EveryEstimateAgreesWithTheDenseHessian) {
  TinyProblem p = make_tiny_problem();
  const std::int64_t P = p.dense.size(0);
  HvpOperator op(p.model, p.inputs, p.targets, 50, nullptr, {});
  const std::uint64_t seed = 5;
  const HessianReport r = analyze_hessian(op, nullptr, quick_options(), seed, std::make_shared<LocalCommunicator>());
  EXPECT_EQ(r.params, P);
  ASSERT_EQ(r.layers.size(), 3u);
  ASSERT_EQ(r.param_names.size(), 6u);
  EXPECT_EQ(r.param_names[0], "fc1.weight");
  EXPECT_EQ(r.param_numel[0], 8 * 6);

  // Loss and gradient norm: direct autograd.
  std::vector<torch::Tensor> params;
  for (auto& t : p.model->parameters()) params.push_back(t);
  p.model->eval();
  const auto loss = torch::nn::functional::cross_entropy(p.model->forward(p.inputs), p.targets);
  double sq = 0;
  for (const auto& g : torch::autograd::grad({loss}, params)) sq += g.square().sum().item<double>();
  EXPECT_NEAR(r.loss, loss.item<double>(), 1e-12);
  EXPECT_NEAR(r.grad_norm, std::sqrt(sq), 1e-12);

  // Traces: probe i is rademacher(P, derive_seed(derive_seed(seed, "hessian_trace"), "hutchinson", i)).
  ASSERT_TRUE(r.trace.has_value());
  ASSERT_EQ(r.trace->samples, 12);
  ASSERT_EQ(r.trace->groups.size(), 3u + 6u);  // layers, then parameter tensors
  const std::uint64_t trace_seed = derive_seed(seed, "hessian_trace");
  std::vector<double> layer_sum(3, 0.0);
  for (std::int64_t i = 0; i < 12; ++i) {
    const torch::Tensor z = rademacher(P, derive_seed(trace_seed, "hutchinson", static_cast<std::uint64_t>(i)));
    const torch::Tensor zhz = z * torch::mv(p.dense, z);
    const double want = zhz.sum().item<double>();
    EXPECT_LT(rel(r.trace->per_probe[static_cast<std::size_t>(i)], want), 1e-8) << "probe " << i;
    for (std::size_t l = 0; l < 3; ++l) {
      layer_sum[l] += zhz.slice(0, r.layers[l].offset, r.layers[l].offset + r.layers[l].numel).sum().item<double>();
    }
  }
  std::size_t param = 0;
  for (std::size_t l = 0; l < 3; ++l) {
    EXPECT_LT(rel(r.layer_trace(l).mean, layer_sum[l] / 12), 1e-8) << r.layers[l].name;
    double of_params = 0;
    for (std::size_t k = 0; k < r.layers[l].params.size(); ++k) of_params += r.param_trace(param++).mean;
    EXPECT_LT(rel(of_params, r.layer_trace(l).mean), 1e-10) << r.layers[l].name;
  }

  // Eigenvalues: the whole Hessian and each diagonal block.
  ASSERT_TRUE(r.eigen.has_value());
  const torch::Tensor exact = std::get<0>(torch::linalg::eigh(p.dense, "L"));
  for (int i = 0; i < 2; ++i) {
    const double e = exact[P - 1 - i].item<double>();
    EXPECT_NEAR(r.eigen->values[static_cast<std::size_t>(i)], e, 1e-4 * std::max(1.0, std::fabs(e))) << i;
  }
  ASSERT_EQ(r.layer_eigen.size(), 3u);
  for (std::size_t l = 0; l < 3; ++l) {
    const auto& g = r.layers[l];
    const torch::Tensor block = p.dense.slice(0, g.offset, g.offset + g.numel).slice(1, g.offset, g.offset + g.numel);
    const double e = std::get<0>(torch::linalg::eigh(block, "L"))[g.numel - 1].item<double>();
    EXPECT_NEAR(r.layer_eigen[l].values[0], e, 1e-4 * std::max(1.0, std::fabs(e))) << g.name;
  }

  // Density: slq_density with the documented seed, exactly.
  ASSERT_TRUE(r.density.has_value());
  SlqOptions so;
  so.runs = 3;
  so.steps = 20;
  so.grid_points = 500;
  so.seed = derive_seed(seed, "hessian_slq");
  const SlqResult d = slq_density(as_operator(op), so);
  EXPECT_TRUE(torch::equal(r.density->density, d.density));
  EXPECT_TRUE(torch::equal(r.density->nodes, d.nodes));
  EXPECT_GE(r.seconds_trace, 0.0);
}

TEST(HessianAnalysis, SampleParallelTracesNeedTheWholeSampleSetAndAgree) {
  TinyProblem p = make_tiny_problem();
  HvpOperator op(p.model, p.inputs, p.targets, 50, nullptr, {});
  HvpOperator local(p.model, p.inputs, p.targets, 50, nullptr, {});
  HessianOptions s = quick_options();
  s.eigenvalues = false;
  s.density = false;
  const auto comm = std::make_shared<LocalCommunicator>();
  const HessianReport data = analyze_hessian(op, nullptr, s, 9, comm);
  s.trace_parallel = TraceParallel::kSamples;
  EXPECT_THROW(analyze_hessian(op, nullptr, s, 9, comm), ConfigError);
  const HessianReport samples = analyze_hessian(op, &local, s, 9, comm);
  ASSERT_EQ(samples.trace->per_probe.size(), data.trace->per_probe.size());
  for (std::size_t i = 0; i < data.trace->per_probe.size(); ++i) {
    EXPECT_LT(rel(samples.trace->per_probe[i], data.trace->per_probe[i]), 1e-12) << i;
  }
  EXPECT_FALSE(samples.eigen.has_value());
  EXPECT_FALSE(samples.density.has_value());
  EXPECT_TRUE(samples.layer_eigen.empty());
}

TEST(HessianAnalysis, PowerMethodFindsTheLargestMagnitude) {
  TinyProblem p = make_tiny_problem();
  HvpOperator op(p.model, p.inputs, p.targets, 50, nullptr, {});
  HessianOptions s = quick_options();
  s.trace = false;
  s.density = false;
  s.per_layer = false;
  s.top_k = 1;
  s.eigen_method = EigenMethod::kPower;
  s.eigen_tol = 1e-12;
  s.eigen_max_iter = 20000;
  const HessianReport r = analyze_hessian(op, nullptr, s, 1, std::make_shared<LocalCommunicator>());
  EXPECT_FALSE(r.trace.has_value());
  const torch::Tensor exact = std::get<0>(torch::linalg::eigh(p.dense, "L"));
  const double e = exact[exact.abs().argmax().item<std::int64_t>()].item<double>();
  ASSERT_EQ(r.eigen->values.size(), 1u);
  EXPECT_NEAR(r.eigen->values[0], e, 1e-4 * std::max(1.0, std::fabs(e)));
  EXPECT_TRUE(r.layer_eigen.empty());
}

TEST(HessianAnalysis, SaveWritesTheDocumentedLayout) {
  TinyProblem p = make_tiny_problem();
  HvpOperator op(p.model, p.inputs, p.targets, 50, nullptr, {});
  HessianOptions s = quick_options();
  s.trace_max_samples = 6;
  s.top_k = 1;
  s.eigen_max_iter = 30;
  s.slq_runs = 4;
  s.slq_steps = 8;
  s.density_points = 50;
  HessianReport r = analyze_hessian(op, nullptr, s, 2, std::make_shared<LocalCommunicator>());
  r.samples = 50;
  // docs/hessian.md, "Results": everything but info/world_size and the info strings (the runner's).
  std::set<std::string> want = {"info/samples", "info/params", "info/loss", "info/grad_norm", "layers/names",
                                "layers/numel", "params/names", "params/numel"};
  for (const char* k : {"total", "total_se", "samples", "hvps", "converged", "seconds", "per_probe", "running_mean",
                        "running_se", "layers", "layers_se", "params", "params_se"}) {
    want.insert(std::string("trace/") + k);
  }
  for (const char* k : {"values", "residuals", "vectors", "hvps", "converged", "seconds"}) want.insert(std::string("eigen/") + k);
  for (int l = 0; l < 3; ++l) {
    for (const char* k : {"values", "residuals", "hvps", "converged"}) {
      want.insert("eigen/layers/" + std::to_string(l) + "/" + k);
    }
  }
  for (const char* k : {"grid", "density", "nodes", "weights", "sigma", "first_moment", "first_moment_se", "hvps",
                        "seconds"}) {
    want.insert(std::string("density/") + k);
  }
  for (const std::string prefix : {"", "tracking/epoch_1"}) {
    MapState st;
    save_hessian_report(r, st, prefix);
    std::set<std::string> expected;
    for (const auto& k : want) expected.insert(prefix.empty() ? k : prefix + "/" + k);
    const auto paths = st.paths();
    EXPECT_EQ(std::set<std::string>(paths.begin(), paths.end()), expected) << "prefix '" << prefix << "'";
  }
  MapState st;
  save_hessian_report(r, st, "");
  EXPECT_EQ(st.s.at("layers/names"), "fc1\nfc2\nfc3");
  EXPECT_EQ(st.i.at("info/samples"), 50);
  EXPECT_EQ(st.t.at("eigen/vectors").sizes(), (std::vector<std::int64_t>{1, r.params}));
  EXPECT_EQ(st.t.at("eigen/vectors").scalar_type(), torch::kFloat32);
  EXPECT_EQ(st.t.at("trace/params").numel(), 6);
  EXPECT_EQ(st.d.at("trace/total"), r.trace->total.mean);
  // first_moment_se: the SE over runs of each run's sum_j w_j theta_j, by hand.
  const torch::Tensor per_run = (r.density->nodes * r.density->weights).sum(1);
  double mean = 0, ss = 0;
  for (std::int64_t i = 0; i < 4; ++i) mean += per_run[i].item<double>() / 4;
  for (std::int64_t i = 0; i < 4; ++i) ss += std::pow(per_run[i].item<double>() - mean, 2);
  EXPECT_NEAR(st.d.at("density/first_moment_se"), std::sqrt(ss / 3 / 4), 1e-12);
  // Optional parts are left out when not computed.
  HessianReport bare = r;
  bare.trace.reset();
  bare.eigen.reset();
  bare.layer_eigen.clear();
  bare.density.reset();
  MapState b;
  save_hessian_report(bare, b, "");
  EXPECT_EQ(b.paths().size(), 8u);
}

}  // namespace
}  // namespace curvlab
