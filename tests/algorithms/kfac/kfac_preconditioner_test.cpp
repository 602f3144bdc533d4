// The K-FAC preconditioned gradient against an explicit dense solve on a tiny model, one rank:
//   eigen:   vec(P) = (G_+ kron A_+ + damping I)^-1 vec(grad)   (G_+, A_+: eigenvalues clamped at 0)
//   inverse: vec(P) = ((G + damping I) kron (A + damping I))^-1 vec(grad)
// with A, G the running factors after one update (decay I + (1 - decay) F_new) computed directly,
// vec row-major over the [out, in + 1] gradient matrix. Tolerance 1e-5 (relative to max |P|).
// Also: the KL clip factor, running averages over several updates, and the LPT assignment.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/kfac/kfac_assignment.h"
#include "algorithms/kfac/kfac_math.h"
#include "algorithms/kfac/kfac_preconditioner.h"
#include "comm/local/local_communicator.h"

using namespace curvlab;

namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

// conv (2 -> 4, 3x3, stride 2, pad 1, groups 2) -> relu -> flatten -> fc (4*3*3 -> 3)
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    conv = register_module("conv", CaptureConv2d(torch::nn::Conv2dOptions(2, 4, 3).stride(2).padding(1).groups(2)));
    fc = register_module("fc", CaptureLinear(4 * 3 * 3, 3));
  }
  torch::Tensor forward(const torch::Tensor& x) {  // [B, 2, 6, 6] -> [B, 3]
    return fc->forward(torch::relu(conv->forward(x)).flatten(1));
  }
  CaptureConv2d conv{nullptr};
  CaptureLinear fc{nullptr};
};
TORCH_MODULE(TinyNet);

KfacOptions spec_for(const std::string& method) {
  KfacOptions s;
  s.method = *kfac_method_names().find(method);
  s.damping = 0.01;
  s.factor_decay = 0.9;
  s.kl_clip = 0;  // checked separately
  s.factor_dtype = KfacDtype::kFloat64;
  s.inv_dtype = KfacDtype::kFloat64;
  return s;
}

// Dense preconditioning of grad [g, a] with factors A [a, a], G [g, g].
torch::Tensor dense_precondition(const torch::Tensor& grad, const torch::Tensor& a, const torch::Tensor& g,
                                 const std::string& method, double damping) {
  const int64_t na = a.size(0), ng = g.size(0);
  torch::Tensor m;
  if (method == "eigen") {
    auto clamp_psd = [](const torch::Tensor& f) {
      auto [d, q] = torch::linalg::eigh(f, "U");
      return q.mm(torch::diag(d.clamp_min(0))).mm(q.t());
    };
    m = torch::kron(clamp_psd(g), clamp_psd(a)) + damping * torch::eye(na * ng, torch::kFloat64);
  } else {
    m = torch::kron(g + damping * torch::eye(ng, torch::kFloat64), a + damping * torch::eye(na, torch::kFloat64));
  }
  return torch::linalg::solve(m, grad.reshape({-1, 1}), true).reshape({ng, na});
}

struct Step {
  std::vector<torch::Tensor> grads_before;   // per block, [g, a]
  std::vector<torch::Tensor> a_direct, g_direct;
};

// One forward/backward with capture; returns the direct factors and the plain gradients.
Step run_backward(TinyNet& net, KfacPreconditioner& kfac, const torch::Tensor& x, const torch::Tensor& y) {
  for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
  kfac.begin_step(0.0);
  auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
  loss.backward();
  Step s;
  // Direct factors from the capture (independent of KfacLayer's code path: explicit unfold).
  const int64_t B = x.size(0);
  {
    auto in = net->conv->capture.input, go = net->conv->capture.grad_output;  // [B,2,6,6], [B,4,3,3]
    auto cols = torch::nn::functional::unfold(in, torch::nn::functional::UnfoldFuncOptions({3, 3}).stride(2).padding(1));
    const int64_t L = cols.size(2);
    for (int grp = 0; grp < 2; ++grp) {
      auto a = cols.slice(1, grp * 9, (grp + 1) * 9).permute({0, 2, 1}).reshape({B * L, 9});
      a = torch::cat({a, torch::ones({B * L, 1}, torch::kFloat64)}, 1) / L;
      auto g = go.slice(1, grp * 2, (grp + 1) * 2).permute({0, 2, 3, 1}).reshape({B * L, 2}) / L;
      s.a_direct.push_back(a.t().mm(a) / (B * L));
      s.g_direct.push_back(g.t().mm(g) / (B * L));
    }
    auto a = torch::cat({net->fc->capture.input, torch::ones({B, 1}, torch::kFloat64)}, 1);
    auto g = net->fc->capture.grad_output;
    s.a_direct.push_back(a.t().mm(a) / B);
    s.g_direct.push_back(g.t().mm(g) / B);
  }
  kfac.after_backward(B, B);
  for (const auto& blk : kfac.blocks()) {
    s.grads_before.push_back(kfac.layers()[blk.layer].grad_matrix(blk.index, torch::kFloat64));
  }
  return s;
}

}  // namespace

class KfacPreconditionDense : public ::testing::TestWithParam<std::string> {};

TEST_P(KfacPreconditionDense, MatchesKroneckerSolve) {
  const std::string method = GetParam();
  torch::manual_seed(5);
  TinyNet net;
  net->to(torch::kFloat64);
  const KfacOptions spec = spec_for(method);
  KfacPreconditioner kfac(spec, *net, std::make_shared<LocalCommunicator>());
  ASSERT_EQ(kfac.blocks().size(), 3u);  // conv group 0, conv group 1, fc

  std::vector<torch::Tensor> a_run(3), g_run(3);
  for (int step = 0; step < 3; ++step) {
    auto x = torch::randn({5, 2, 6, 6}, torch::kFloat64);
    auto y = torch::randint(0, 3, {5}, torch::kInt64);
    Step s = run_backward(net, kfac, x, y);
    kfac.precondition(/*lr=*/0.1);
    for (size_t b = 0; b < 3; ++b) {
      if (!a_run[b].defined()) {
        a_run[b] = torch::eye(s.a_direct[b].size(0), torch::kFloat64);
        g_run[b] = torch::eye(s.g_direct[b].size(0), torch::kFloat64);
      }
      a_run[b] = spec.factor_decay * a_run[b] + (1 - spec.factor_decay) * s.a_direct[b];
      g_run[b] = spec.factor_decay * g_run[b] + (1 - spec.factor_decay) * s.g_direct[b];
      EXPECT_LT(max_diff(kfac.blocks()[b].a, a_run[b]), 1e-12) << "step " << step << " block " << b;
      EXPECT_LT(max_diff(kfac.blocks()[b].g, g_run[b]), 1e-12) << "step " << step << " block " << b;
      const auto& blk = kfac.blocks()[b];
      auto got = kfac.layers()[blk.layer].grad_matrix(blk.index, torch::kFloat64);
      auto want = dense_precondition(s.grads_before[b], a_run[b], g_run[b], method, spec.damping);
      const double scale = want.abs().max().item<double>();
      EXPECT_LT(max_diff(got, want), 1e-5 * scale)
          << method << " step " << step << " block " << b << " max diff " << max_diff(got, want) << " scale " << scale;
    }
  }
  EXPECT_EQ(kfac.steps(), 3);
}

INSTANTIATE_TEST_SUITE_P(Methods, KfacPreconditionDense, ::testing::Values("eigen", "inverse"));

TEST(KfacPreconditioner, KlClipScalesEveryBlock) {
  torch::manual_seed(6);
  TinyNet net, twin;
  net->to(torch::kFloat64);
  twin->to(torch::kFloat64);
  {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < net->parameters().size(); ++i) twin->parameters()[i].copy_(net->parameters()[i]);
  }
  KfacOptions clipped = spec_for("eigen"), plain = spec_for("eigen");
  clipped.kl_clip = 1e-6;
  KfacPreconditioner kc(clipped, *net, std::make_shared<LocalCommunicator>());
  KfacPreconditioner kp(plain, *twin, std::make_shared<LocalCommunicator>());
  auto x = torch::randn({4, 2, 6, 6}, torch::kFloat64);
  auto y = torch::randint(0, 3, {4}, torch::kInt64);
  const double lr = 0.5;
  Step s = run_backward(net, kc, x, y);
  run_backward(twin, kp, x, y);
  kc.precondition(lr);
  kp.precondition(lr);
  double vg = 0;
  for (size_t b = 0; b < 3; ++b) {
    const auto& blk = kp.blocks()[b];
    vg += (kp.layers()[blk.layer].grad_matrix(blk.index, torch::kFloat64) * s.grads_before[b]).sum().item<double>();
  }
  const double nu = std::min(1.0, std::sqrt(1e-6 / std::abs(vg * lr * lr)));
  ASSERT_LT(nu, 1.0) << "the clip should be active in this test";
  EXPECT_NEAR(kc.last_nu(), nu, 1e-12 * nu);
  EXPECT_EQ(kp.last_nu(), 1.0);
  for (size_t b = 0; b < 3; ++b) {
    const auto& blk = kc.blocks()[b];
    auto got = kc.layers()[blk.layer].grad_matrix(blk.index, torch::kFloat64);
    auto want = kp.layers()[blk.layer].grad_matrix(blk.index, torch::kFloat64) * nu;
    EXPECT_LT(max_diff(got, want), 1e-12) << "block " << b;
  }
}

TEST(KfacPreconditioner, UpdateFrequenciesAndDampingSchedule) {
  torch::manual_seed(7);
  TinyNet net;
  net->to(torch::kFloat64);
  KfacOptions spec = spec_for("inverse");
  spec.factor_update_freq = 2;
  spec.inv_update_freq = 3;
  spec.damping_milestones = {1.0, 2.0};
  spec.damping_gamma = 0.5;
  KfacPreconditioner kfac(spec, *net, std::make_shared<LocalCommunicator>());
  auto x = torch::randn({4, 2, 6, 6}, torch::kFloat64);
  auto y = torch::randint(0, 3, {4}, torch::kInt64);
  std::vector<torch::Tensor> a_seen;
  torch::Tensor inv_seen;
  for (int step = 0; step < 7; ++step) {
    for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
    kfac.begin_step(step * 0.4);  // epochs 0, 0.4, ..., 2.4
    EXPECT_EQ(kfac.capturing(), step % 2 == 0) << step;
    const double want_damping = 0.01 * (step * 0.4 >= 1.0 ? 0.5 : 1.0) * (step * 0.4 >= 2.0 ? 0.5 : 1.0);
    EXPECT_DOUBLE_EQ(kfac.damping(), want_damping) << step;
    torch::nn::functional::cross_entropy(net->forward(x), y).backward();
    kfac.after_backward(4, 4);
    const torch::Tensor a_before = kfac.blocks()[2].a.defined() ? kfac.blocks()[2].a.clone() : torch::Tensor();
    const torch::Tensor inv_before =
        kfac.blocks()[2].dec.a_inv.defined() ? kfac.blocks()[2].dec.a_inv.clone() : torch::Tensor();
    kfac.precondition(0.1);
    const bool factors_changed = !a_before.defined() || !torch::equal(a_before, kfac.blocks()[2].a);
    EXPECT_EQ(factors_changed, step % 2 == 0) << step;
    const bool inverse_changed = !inv_before.defined() || !torch::equal(inv_before, kfac.blocks()[2].dec.a_inv);
    EXPECT_EQ(inverse_changed, step % 3 == 0) << step;
  }
}

TEST(KfacAssignment, GreedyLongestProcessingTime) {
  // costs a^3 + g^3: 1001, 16, 2000, 1001, 128
  const std::vector<std::pair<int64_t, int64_t>> dims = {{10, 1}, {2, 2}, {10, 10}, {1, 10}, {4, 4}};
  auto one = assign_kfac_work(dims, 1, 1.0);
  EXPECT_EQ(one.owner, (std::vector<int>{0, 0, 0, 0, 0}));
  auto two = assign_kfac_work(dims, 2, 1.0);
  // order: 2000 (r0), 1001 #0 (r1), 1001 #3 (r1: 1001 < 2000), 128 (r0: 2000 < 2002), 16 (r1: 2002 < 2128)
  EXPECT_EQ(two.owner, (std::vector<int>{1, 1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(two.load[0], 2128);
  EXPECT_DOUBLE_EQ(two.load[1], 2018);
  auto three = assign_kfac_work(dims, 3, 0.0);
  EXPECT_EQ(three.owner, (std::vector<int>{1, 2, 0, 2, 1}));
  EXPECT_EQ(three.grad_workers, 1);
  EXPECT_TRUE(three.is_grad_worker(3, 2));
  EXPECT_FALSE(three.is_grad_worker(3, 0));
  auto hybrid = assign_kfac_work(dims, 4, 0.5);
  EXPECT_EQ(hybrid.grad_workers, 2);
  // block 2 is owned by rank 0: grad workers 0 and 1; block 3 (owner 2): 2 and 3.
  EXPECT_TRUE(hybrid.is_grad_worker(2, 1));
  EXPECT_FALSE(hybrid.is_grad_worker(2, 3));
  EXPECT_EQ(hybrid.owner[3], 2);
  EXPECT_TRUE(hybrid.is_grad_worker(3, 3));
  auto comm_opt = assign_kfac_work(dims, 4, 1.0);
  for (int r = 0; r < 4; ++r) EXPECT_TRUE(comm_opt.is_grad_worker(0, r));
}

TEST(KfacMath, EigenClampsNegativeEigenvalues) {
  // An indefinite "factor" (possible in float32 round-off): eigenvalues are clamped at 0.
  auto a = torch::tensor({{1.0, 0.0}, {0.0, -0.5}}, torch::kFloat64);
  auto g = torch::eye(1, torch::kFloat64);
  auto d = decompose(a, g, KfacMethod::kEigen, 0.1, torch::kFloat64);
  EXPECT_EQ(d.da.min().item<double>(), 0.0);
  auto p = precondition_block(torch::ones({1, 2}, torch::kFloat64), d, KfacMethod::kEigen, 0.1);
  EXPECT_NEAR(p[0][0].item<double>(), 1.0 / 1.1, 1e-12);
  EXPECT_NEAR(p[0][1].item<double>(), 1.0 / 0.1, 1e-12);
}

TEST(KfacMath, PreconditionBlockOverTwoThreadsMatchesOneThread) {
  // [64, 200] blocks are large enough for precondition_block to split rows over the threads.
  torch::manual_seed(9);
  auto spd = [](std::int64_t n) {
    auto m = torch::randn({n, 2 * n}, torch::kFloat64);
    return m.mm(m.t()) / (2.0 * n);
  };
  const auto a = spd(200), g = spd(64);
  const auto grad = torch::randn({64, 200}, torch::kFloat64);
  const int saved = at::get_num_threads();
  for (const auto method : {KfacMethod::kEigen, KfacMethod::kInverse}) {
    const Decomposition d = decompose(a, g, method, 0.01, torch::kFloat64);
    at::set_num_threads(1);
    const auto one = precondition_block(grad, d, method, 0.01);
    at::set_num_threads(2);
    const auto two = precondition_block(grad, d, method, 0.01);
    at::set_num_threads(saved);
    EXPECT_LT(max_diff(one, two), 1e-12 * one.abs().max().item<double>());
    if (method == KfacMethod::kInverse) {  // (G + λI)^-1 grad (A + λI)^-1, dense
      const auto want = torch::linalg::solve(g + 0.01 * torch::eye(64, torch::kFloat64),
                                             torch::linalg::solve(a + 0.01 * torch::eye(200, torch::kFloat64), grad.t(), true).t(), true);
      EXPECT_LT(max_diff(two, want), 1e-9 * want.abs().max().item<double>());
    }
  }
}
