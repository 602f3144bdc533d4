// Single-rank tests of GradReducer: bucket layout, identity on 1 rank, weighting, unused
// parameters, misuse errors and hook removal. The multi-rank tests run under mpirun
// (tests/comm/mpi_reducer_mpitest.cpp).
#include "comm/reducer.h"

#include <gtest/gtest.h>
#include <torch/nn.h>

#include "comm/local/local_communicator.h"
#include "base/error.h"

namespace curvlab {
namespace {

using Named = std::vector<std::pair<std::string, torch::Tensor>>;

// fc1: 5 -> 7, fc2: 7 -> 3, plus a parameter the forward never uses (registered first, so it
// lands in the last bucket); float64.
struct TinyNet {
  torch::nn::Linear fc1{torch::nn::LinearOptions(5, 7)};
  torch::nn::Linear fc2{torch::nn::LinearOptions(7, 3)};
  torch::Tensor unused = torch::ones({4}, torch::kFloat64).requires_grad_();
  TinyNet() {
    torch::manual_seed(1);
    fc1 = torch::nn::Linear(torch::nn::LinearOptions(5, 7));
    fc2 = torch::nn::Linear(torch::nn::LinearOptions(7, 3));
    fc1->to(torch::kFloat64);
    fc2->to(torch::kFloat64);
  }
  Named params() const {
    return {{"unused", unused}, {"fc1.weight", fc1->weight}, {"fc1.bias", fc1->bias},
            {"fc2.weight", fc2->weight}, {"fc2.bias", fc2->bias}};
  }
  torch::Tensor loss(const torch::Tensor& x) { return fc2->forward(torch::tanh(fc1->forward(x))).pow(2).mean(); }
  void zero_grad() {
    for (auto& [n, p] : params()) p.mutable_grad() = torch::Tensor();
  }
};

torch::Tensor batch() {
  torch::manual_seed(7);
  return torch::randn({6, 5}, torch::kFloat64);
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(GradReducer, BucketsInReverseOrderWithASmallFirstBucket) {
  TinyNet net;
  ReducerOptions opts;
  // Sizes in bytes (float64), reverse order: fc2.bias 24, fc2.weight 168, fc1.bias 56,
  // fc1.weight 280, unused 32.
  opts.first_bucket_mb = 60.0 / (1024 * 1024);  // fc2.bias alone (24 + 168 > 60)
  opts.bucket_mb = 230.0 / (1024 * 1024);       // fc2.weight + fc1.bias = 224 bytes fit
  GradReducer r(std::make_shared<LocalCommunicator>(), net.params(), opts);
  std::vector<std::vector<std::string>> expected = {
      {"fc2.bias"}, {"fc2.weight", "fc1.bias"}, {"fc1.weight"}, {"unused"}};  // fc1.weight exceeds the cap: alone
  EXPECT_EQ(r.bucket_layout(), expected);
}

TEST(GradReducer, DefaultOptionsGiveOneBucketAndSkipFrozenParameters) {
  TinyNet net;
  net.fc1->bias.set_requires_grad(false);
  GradReducer r(std::make_shared<LocalCommunicator>(), net.params(), ReducerOptions{});
  std::vector<std::vector<std::string>> expected = {{"fc2.bias", "fc2.weight", "fc1.weight", "unused"}};
  EXPECT_EQ(r.bucket_layout(), expected);
}

TEST(GradReducer, DtypeChangeStartsANewBucket) {
  auto a = torch::zeros({3}, torch::kFloat32).requires_grad_();
  auto b = torch::zeros({3}, torch::kFloat64).requires_grad_();
  auto c = torch::zeros({3}, torch::kFloat64).requires_grad_();
  GradReducer r(std::make_shared<LocalCommunicator>(), Named{{"a", a}, {"b", b}, {"c", c}}, ReducerOptions{});
  std::vector<std::vector<std::string>> expected = {{"c", "b"}, {"a"}};
  EXPECT_EQ(r.bucket_layout(), expected);
}

TEST(GradReducer, OneRankWithWeightOneGivesExactlyTheUnreducedGradient) {
  for (bool view : {true, false}) {
    TinyNet ref_net, net;
    ref_net.loss(batch()).backward();
    ReducerOptions opts;
    opts.first_bucket_mb = 1e-5;
    opts.bucket_mb = 1e-4;  // several buckets
    opts.grad_as_bucket_view = view;
    GradReducer r(std::make_shared<LocalCommunicator>(), net.params(), opts);
    EXPECT_GE(r.bucket_layout().size(), 3u);
    for (int step = 0; step < 3; ++step) {  // buffers are reused, nothing accumulates across steps
      r.prepare(1.0);
      net.loss(batch()).backward();
      EXPECT_EQ(r.buckets_launched(), static_cast<int>(r.bucket_layout().size()) - 1)
          << "every bucket but the one holding the unused parameter launches during backward";
      r.finalize();
      auto ref = ref_net.params(), got = net.params();
      for (size_t i = 1; i < got.size(); ++i) {
        EXPECT_TRUE(torch::equal(got[i].second.grad(), ref[i].second.grad()))
            << got[i].first << " view " << view << " step " << step << " max diff "
            << max_abs_diff(got[i].second.grad(), ref[i].second.grad());
      }
      EXPECT_TRUE(torch::equal(net.unused.grad(), torch::zeros({4}, torch::kFloat64)));
    }
  }
}

TEST(GradReducer, BucketViewGradientsShareTheBucketBuffer) {
  for (bool view : {true, false}) {
    TinyNet net;
    ReducerOptions opts;  // defaults: one bucket
    opts.grad_as_bucket_view = view;
    GradReducer r(std::make_shared<LocalCommunicator>(), net.params(), opts);
    r.prepare(1.0);
    net.loss(batch()).backward();
    r.finalize();
    const bool shared = net.fc2->weight.grad().storage().is_alias_of(net.fc1->bias.grad().storage());
    EXPECT_EQ(shared, view);
    r.prepare(1.0);
    EXPECT_EQ(net.fc1->weight.grad().defined(), !view) << "prepare() drops the bucket views";
    r.finalize();
  }
}

TEST(GradReducer, WeightScalesTheGradientAndZeroSamplesGiveZero) {
  TinyNet ref_net, net;
  ref_net.loss(batch()).backward();
  GradReducer r(std::make_shared<LocalCommunicator>(), net.params(), ReducerOptions{});
  r.prepare(0.25);
  net.loss(batch()).backward();
  r.finalize();
  auto ref = ref_net.params(), got = net.params();
  for (size_t i = 1; i < got.size(); ++i) {
    double d = max_abs_diff(got[i].second.grad(), 0.25 * ref[i].second.grad());
    EXPECT_LE(d, 1e-15) << got[i].first;
  }
  r.prepare(0.0);  // a rank without samples: no backward at all
  r.finalize();
  for (auto& [name, p] : net.params()) EXPECT_EQ(p.grad().abs().max().item<double>(), 0.0) << name;
}

TEST(GradReducer, MisuseIsAClearError) {
  TinyNet net;
  GradReducer r(std::make_shared<LocalCommunicator>(), net.params(), ReducerOptions{});
  EXPECT_THROW(r.finalize(), CommError);  // finalize without prepare
  EXPECT_THROW(r.prepare(-1.0), CommError);
  r.prepare(1.0);
  net.loss(batch()).backward();
  try {
    net.loss(batch()).backward();  // a second backward in the same step
    FAIL() << "a second backward before finalize() must throw";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("arrived twice"), std::string::npos) << e.what();
  }
  EXPECT_THROW(r.prepare(1.0), CommError);  // buckets of the step are in flight
  r.finalize();
  EXPECT_THROW(GradReducer(std::make_shared<LocalCommunicator>(), net.params(), ReducerOptions{0, 1}), ConfigError);
}

TEST(GradReducer, HooksAreInertOutsideAStepAndRemovedWithTheReducer) {
  TinyNet ref_net, net;
  ref_net.loss(batch()).backward();
  {
    GradReducer r(std::make_shared<LocalCommunicator>(), net.params(), ReducerOptions{});
    net.loss(batch()).backward();  // no prepare(): plain autograd
    EXPECT_EQ(r.buckets_launched(), 0);
  }
  net.zero_grad();
  net.loss(batch()).backward();  // reducer gone: hooks must not call into it
  EXPECT_TRUE(torch::equal(net.fc1->weight.grad(), ref_net.fc1->weight.grad()));
}

}  // namespace
}  // namespace curvlab
