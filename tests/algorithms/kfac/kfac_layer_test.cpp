// K-FAC factors of tiny Linear and Conv2d layers against a direct dense computation: patches by
// explicit loops over output positions (padding, stride, dilation, groups), A = a^T a / rows and
// G = g^T g / rows with kfac-pytorch's scaling. Also checks that the patch order matches the
// weight layout (sum over rows of g a^T reproduces autograd's weight gradient). float64, 1e-10.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/kfac/kfac_layer.h"

using namespace curvlab;

namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

CaptureLayerRef ref_of(const std::string& name, torch::nn::Module* m, LayerCapture* c, bool conv) {
  CaptureLayerRef r;
  r.name = name;
  r.module = m;
  r.capture = c;
  r.is_conv = conv;
  return r;
}

}  // namespace

TEST(KfacLayer, LinearFactorsMatchDirectComputation) {
  torch::manual_seed(1);
  CaptureLinear lin(torch::nn::LinearOptions(5, 3));
  lin->to(torch::kFloat64);
  KfacLayer layer(ref_of("fc", lin.get(), &lin->capture, false));
  EXPECT_EQ(layer.a_dim(), 6);
  EXPECT_EQ(layer.g_dim(), 3);
  layer.set_capture(true);
  auto x = torch::randn({7, 5}, torch::kFloat64);
  auto y = lin->forward(x);
  auto loss = (y * y).sum(1).mean();  // a mean-reduced loss: grad_output carries 1/B
  loss.backward();

  auto sums = layer.factor_sums(1.0, torch::kFloat64);
  ASSERT_EQ(sums.size(), 1u);
  const double rows = 7;
  // Direct: per-sample outer products.
  auto a_direct = torch::zeros({6, 6}, torch::kFloat64), g_direct = torch::zeros({3, 3}, torch::kFloat64);
  for (int i = 0; i < 7; ++i) {
    auto ai = torch::cat({x[i], torch::ones({1}, torch::kFloat64)});
    auto gi = 2.0 * y[i].detach() / 7.0;  // d mean_i(|y_i|^2) / d y_i
    a_direct += torch::outer(ai, ai);
    g_direct += torch::outer(gi, gi);
  }
  EXPECT_LT(max_diff(sums[0].a / rows, a_direct / rows), 1e-12);
  EXPECT_LT(max_diff(sums[0].g / rows, g_direct / rows), 1e-12);
  EXPECT_EQ(layer.captured_rows(), 7);
  // A global-batch weight of 0.5 scales G by 0.25 and leaves A alone.
  auto half = layer.factor_sums(0.5, torch::kFloat64);
  EXPECT_LT(max_diff(half[0].g, 0.25 * g_direct), 1e-12);
  EXPECT_LT(max_diff(half[0].a, a_direct), 1e-12);
  // Gradient matrix: weight with the bias as the last column, round trip.
  auto m = layer.grad_matrix(0, torch::kFloat64);
  EXPECT_LT(max_diff(m, torch::cat({lin->weight.grad(), lin->bias.grad().unsqueeze(1)}, 1)), 1e-15);
  layer.set_grad_matrix(0, m * 2);
  EXPECT_LT(max_diff(lin->weight.grad(), 2 * m.slice(1, 0, 5)), 1e-15);
  EXPECT_LT(max_diff(lin->bias.grad(), 2 * m.select(1, 5)), 1e-15);
}

struct ConvCase {
  int64_t in, out, k, stride, pad, dilation, groups, h, w;
  bool bias;
};

// Printed in test listings (the struct's padding bytes would otherwise make the names vary).
void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << "in " << c.in << " out " << c.out << " k " << c.k << " stride " << c.stride << " pad " << c.pad << " dilation "
      << c.dilation << " groups " << c.groups << " input " << c.h << "x" << c.w << (c.bias ? " bias" : " no bias");
}

class KfacConvFactors : public ::testing::TestWithParam<ConvCase> {};

TEST_P(KfacConvFactors, MatchLoopPatches) {
  const ConvCase c = GetParam();
  // Two intra-op threads: the 3 samples are summed in 2 blocks on 2 threads (kfac/gram.h).
  const int saved_threads = at::get_num_threads();
  at::set_num_threads(2);
  struct Restore {
    int n;
    ~Restore() { at::set_num_threads(n); }
  } restore{saved_threads};
  torch::manual_seed(2);
  CaptureConv2d conv(torch::nn::Conv2dOptions(c.in, c.out, c.k).stride(c.stride).padding(c.pad)
                         .dilation(c.dilation).groups(c.groups).bias(c.bias));
  conv->to(torch::kFloat64);
  KfacLayer layer(ref_of("conv", conv.get(), &conv->capture, true));
  const int64_t cin_g = c.in / c.groups, cout_g = c.out / c.groups, kk = c.k * c.k;
  EXPECT_EQ(layer.blocks(), c.groups);
  EXPECT_EQ(layer.a_dim(), cin_g * kk + (c.bias ? 1 : 0));
  EXPECT_EQ(layer.g_dim(), cout_g);
  layer.set_capture(true);
  const int64_t B = 3;
  auto x = torch::randn({B, c.in, c.h, c.w}, torch::kFloat64);
  auto y = conv->forward(x);  // [B, out, H', W']
  auto loss = (y * y).sum({1, 2, 3}).mean();
  loss.backward();
  const int64_t ho = y.size(2), wo = y.size(3), L = ho * wo;
  auto gout = (2.0 * y.detach() / static_cast<double>(B));  // autograd's grad_output of the mean loss
  EXPECT_LT(max_diff(conv->capture.grad_output, gout), 1e-12);

  auto sums = layer.factor_sums(1.0, torch::kFloat64);
  ASSERT_EQ(static_cast<int64_t>(sums.size()), c.groups);
  EXPECT_EQ(layer.captured_rows(), B * L);
  const double rows = static_cast<double>(B * L);
  for (int64_t grp = 0; grp < c.groups; ++grp) {
    const int64_t ad = layer.a_dim();
    auto a_direct = torch::zeros({ad, ad}, torch::kFloat64);
    auto g_direct = torch::zeros({cout_g, cout_g}, torch::kFloat64);
    auto grad_w = torch::zeros({cout_g, ad}, torch::kFloat64);  // sum over positions of g a^T (unscaled)
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t oy = 0; oy < ho; ++oy) {
        for (int64_t ox = 0; ox < wo; ++ox) {
          auto patch = torch::zeros({ad}, torch::kFloat64);
          auto pa = patch.accessor<double, 1>();
          auto xa = x.accessor<double, 4>();
          int64_t col = 0;
          for (int64_t ch = grp * cin_g; ch < (grp + 1) * cin_g; ++ch) {
            for (int64_t ky = 0; ky < c.k; ++ky) {
              for (int64_t kx = 0; kx < c.k; ++kx, ++col) {
                const int64_t iy = oy * c.stride - c.pad + ky * c.dilation;
                const int64_t ix = ox * c.stride - c.pad + kx * c.dilation;
                pa[col] = (iy >= 0 && iy < c.h && ix >= 0 && ix < c.w) ? xa[b][ch][iy][ix] : 0.0;
              }
            }
          }
          if (c.bias) pa[col] = 1.0;
          auto g = gout.index({b, torch::indexing::Slice(grp * cout_g, (grp + 1) * cout_g), oy, ox});
          grad_w += torch::outer(g, patch);
          a_direct += torch::outer(patch / L, patch / L);
          g_direct += torch::outer(g / L, g / L);
        }
      }
    }
    EXPECT_LT(max_diff(sums[grp].a / rows, a_direct / rows), 1e-12) << "group " << grp;
    EXPECT_LT(max_diff(sums[grp].g / rows, g_direct / rows), 1e-12) << "group " << grp;
    // The patch columns are in the weight's order: autograd's gradient equals sum g a^T.
    EXPECT_LT(max_diff(layer.grad_matrix(grp, torch::kFloat64), grad_w), 1e-10) << "group " << grp;
  }
}

INSTANTIATE_TEST_SUITE_P(Geometry, KfacConvFactors,
                         ::testing::Values(ConvCase{2, 3, 3, 1, 1, 1, 1, 5, 5, true},    // padding, bias
                                           ConvCase{2, 4, 3, 2, 1, 1, 1, 7, 6, false},   // stride, no bias
                                           ConvCase{2, 3, 3, 1, 2, 2, 1, 6, 7, true},    // dilation
                                           ConvCase{4, 6, 3, 2, 1, 2, 2, 9, 8, true},    // groups + all
                                           ConvCase{3, 3, 2, 1, 0, 1, 3, 4, 5, true},    // depthwise
                                           ConvCase{8, 4, 3, 1, 1, 1, 1, 6, 6, true}),   // 72 rows: syrk
                         [](const ::testing::TestParamInfo<ConvCase>& info) {
                           const ConvCase& c = info.param;
                           return "c" + std::to_string(c.in) + "o" + std::to_string(c.out) + "k" +
                                  std::to_string(c.k) + "s" + std::to_string(c.stride) + "p" + std::to_string(c.pad) +
                                  "d" + std::to_string(c.dilation) + "g" + std::to_string(c.groups) +
                                  (c.bias ? "bias" : "nobias");
                         });

TEST(KfacLayer, NoCaptureGivesZeroSums) {
  CaptureConv2d conv(torch::nn::Conv2dOptions(2, 4, 3).groups(2));
  KfacLayer layer(ref_of("conv", conv.get(), &conv->capture, true));
  auto sums = layer.factor_sums(1.0, torch::kFloat32);
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums[1].a.sizes(), (std::vector<int64_t>{10, 10}));
  EXPECT_EQ(sums[1].g.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(sums[0].a.abs().sum().item<double>(), 0.0);
  EXPECT_EQ(layer.captured_rows(), 0);
}
