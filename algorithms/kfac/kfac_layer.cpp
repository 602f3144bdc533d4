// K-FAC layer geometry: factor statistics from captured activations and gradients, gradient
// matrices with the bias as an extra column, patch extraction for convolutions.
#include "algorithms/kfac/kfac_layer.h"

#include "algorithms/kfac/gram.h"

#include <torch/nn/functional/fold.h>
#include <torch/nn/functional/padding.h>
#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {
namespace {

bool skipped(const std::string& name, bool is_conv, const std::vector<std::string>& skip) {
  for (const auto& s : skip) {
    if (s == name || (s == "linear" && !is_conv) || (s == "conv2d" && is_conv)) return true;
  }
  return false;
}

}  // namespace

KfacLayer::KfacLayer(const CaptureLayerRef& ref) : name_(ref.name), capture_(ref.capture), is_conv_(ref.is_conv) {
  if (auto* lin = dynamic_cast<CaptureLinearImpl*>(ref.module)) {
    weight_ = lin->weight;
    if (lin->options.bias()) bias_ = lin->bias;
    a_dim_ = lin->options.in_features() + (has_bias() ? 1 : 0);
    g_dim_ = lin->options.out_features();
    return;
  }
  auto* conv = dynamic_cast<CaptureConv2dImpl*>(ref.module);
  CURVLAB_CHECK(conv != nullptr, ConfigError, "K-FAC: layer '" + name_ + "' is neither Linear nor Conv2d");
  const auto& o = conv->options;
  CURVLAB_CHECK(c10::get_if<torch::enumtype::kZeros>(&o.padding_mode()) != nullptr, ConfigError,
                "K-FAC: Conv2d layer '" + name_ + "' pads with a mode other than zeros, which K-FAC's patch "
                "extraction does not model; add it to kfac.skip_layers");
  weight_ = conv->weight;
  if (o.bias()) bias_ = conv->bias;
  groups_ = o.groups();
  in_channels_ = o.in_channels();
  kernel_ = {(*o.kernel_size())[0], (*o.kernel_size())[1]};
  stride_ = {(*o.stride())[0], (*o.stride())[1]};
  dilation_ = {(*o.dilation())[0], (*o.dilation())[1]};
  if (const auto* pad = c10::get_if<torch::ExpandingArray<2>>(&o.padding())) {
    pad_ = {(**pad)[1], (**pad)[1], (**pad)[0], (**pad)[0]};
  } else if (c10::get_if<torch::enumtype::kValid>(&o.padding()) != nullptr) {
    pad_ = {0, 0, 0, 0};
  } else {  // "same" (stride 1): total dilation*(k-1), the odd element on the right/bottom
    const std::int64_t th = dilation_[0] * (kernel_[0] - 1), tw = dilation_[1] * (kernel_[1] - 1);
    pad_ = {tw / 2, tw - tw / 2, th / 2, th - th / 2};
  }
  a_dim_ = in_channels_ / groups_ * kernel_[0] * kernel_[1] + (has_bias() ? 1 : 0);
  g_dim_ = o.out_channels() / groups_;
}

torch::Tensor KfacLayer::unfold(const torch::Tensor& input) const {
  namespace F = torch::nn::functional;
  torch::Tensor x = input;
  std::vector<std::int64_t> pad = {0, 0};
  if (pad_[0] == pad_[1] && pad_[2] == pad_[3]) {
    pad = {pad_[2], pad_[0]};  // symmetric: unfold pads by itself
  } else {
    x = F::pad(x, F::PadFuncOptions(pad_));  // "same" with an odd total: one more on the right/bottom
  }
  // [B, C*kh*kw, L]: channel-major rows, the order of weight.view(O, -1)
  return F::unfold(x, F::UnfoldFuncOptions({kernel_[0], kernel_[1]}).dilation({dilation_[0], dilation_[1]})
                          .stride({stride_[0], stride_[1]}).padding({pad[0], pad[1]}));
}

void KfacLayer::set_capture(bool on) const {
  capture_->enabled = on;
  capture_->input = torch::Tensor();
  capture_->grad_output = torch::Tensor();
}

std::int64_t KfacLayer::captured_rows() const {
  const torch::Tensor& in = capture_->input;
  if (!in.defined() || in.numel() == 0) return 0;
  if (!is_conv_) return in.numel() / in.size(-1);
  const torch::Tensor& go = capture_->grad_output;
  CURVLAB_CHECK(go.defined(), NumericsError,
                "K-FAC: layer '" + name_ + "' captured its input but no output gradient; is the layer's output "
                "used in the loss?");
  return go.size(0) * go.size(2) * go.size(3);
}

std::vector<FactorSums> KfacLayer::factor_sums(double grad_weight, torch::ScalarType dtype) const {
  torch::NoGradGuard no_grad;
  const auto opts = weight_.options().dtype(dtype);
  std::vector<FactorSums> out(static_cast<std::size_t>(groups_));
  const std::int64_t rows = captured_rows();
  if (rows == 0) {
    for (auto& s : out) {
      s.a = torch::zeros({a_dim_, a_dim_}, opts);
      s.g = torch::zeros({g_dim_, g_dim_}, opts);
    }
    return out;
  }
  const torch::Tensor& in = capture_->input;
  const torch::Tensor& go = capture_->grad_output;
  CURVLAB_CHECK(go.defined(), NumericsError,
                "K-FAC: layer '" + name_ + "' captured its input but no output gradient; is the layer's output "
                "used in the loss?");
  const std::int64_t a_cols = a_dim_ - (has_bias() ? 1 : 0);
  GramSums a_sums, g_sums;
  double a_scale = 1.0, g_scale = grad_weight * grad_weight;
  if (!is_conv_) {
    // a = input rows [rows, in], g = grad_output rows [rows, out]: blocks of rows.
    const torch::Tensor a = in.reshape({-1, in.size(-1)});
    const torch::Tensor g = go.reshape({-1, go.size(-1)});
    auto rows_of = [dtype](const torch::Tensor& x, bool colsum) -> AddBlock {
      return [&x, dtype, colsum](std::int64_t lo, std::int64_t hi, GramSums& into) {
        const torch::Tensor blk = x.slice(0, lo, hi).to(dtype);
        add_gram_rows(into.xxt[0], blk);
        if (colsum) into.colsum[0].add_(blk.sum(0));
      };
    };
    a_sums = parallel_gram(rows, gram_block_items(rows, a_cols), 1, a_cols, has_bias(), opts, rows_of(a, has_bias()));
    g_sums = parallel_gram(rows, gram_block_items(rows, g_dim_), 1, g_dim_, false, opts, rows_of(g, false));
  } else {
    // Per sample: patches p = unfold(x) [C*kh*kw, L] and output gradients [O, L]; the factor sums
    // are sum over samples of p p^T and g g^T, never materialising the [B*L, C*kh*kw] matrix.
    const std::int64_t batch = go.size(0), spatial = go.size(2) * go.size(3);
    CURVLAB_CHECK(in.size(0) == batch, NumericsError,
                  "K-FAC: layer '" + name_ + "' captured " + std::to_string(in.size(0)) + " inputs but " +
                      std::to_string(batch) + " output gradients");
    const std::int64_t groups = groups_, g_dim = g_dim_;
    a_sums = parallel_gram(batch, gram_block_items(batch, a_cols * groups * spatial), groups, a_cols, has_bias(), opts,
                           [&](std::int64_t lo, std::int64_t hi, GramSums& into) {
      const torch::Tensor cols = unfold(in.slice(0, lo, hi).to(dtype));  // [n, C*kh*kw, L]
      CURVLAB_CHECK(cols.size(2) == spatial, NumericsError,
                    "K-FAC: layer '" + name_ + "': " + std::to_string(cols.size(2)) + " patches per sample but " +
                        std::to_string(spatial) + " output positions; the layer's geometry is not modelled");
      add_grouped_cols(into, cols);
    });
    g_sums = parallel_gram(batch, gram_block_items(batch, g_dim * groups * spatial), groups, g_dim, false, opts,
                           [&](std::int64_t lo, std::int64_t hi, GramSums& into) {
      add_grouped_cols(into, go.slice(0, lo, hi).to(dtype).reshape({hi - lo, g_dim * groups, spatial}));
    });
    // a = patches / L and g = grad_output / L (kfac-pytorch): both sums scale by 1 / L^2.
    const double l = static_cast<double>(spatial);
    a_scale = 1.0 / (l * l);
    g_scale /= l * l;
  }
  for (std::size_t j = 0; j < out.size(); ++j) {
    out[j].a = has_bias() ? with_ones_column(a_sums.xxt[j], a_sums.colsum[j], static_cast<double>(rows))
                          : a_sums.xxt[j];
    if (a_scale != 1.0) out[j].a.mul_(a_scale);
    out[j].g = g_sums.xxt[j];
    if (g_scale != 1.0) out[j].g.mul_(g_scale);
  }
  return out;
}

torch::Tensor KfacLayer::grad_matrix(std::int64_t block, torch::ScalarType dtype) const {
  const torch::Tensor& gw = weight_.grad();
  CURVLAB_CHECK(gw.defined(), NumericsError, "K-FAC: layer '" + name_ + "' has no weight gradient to precondition");
  torch::Tensor m = gw.reshape({gw.size(0), -1}).slice(0, block * g_dim_, (block + 1) * g_dim_).to(dtype);
  if (has_bias()) {
    const torch::Tensor& gb = bias_.grad();
    CURVLAB_CHECK(gb.defined(), NumericsError, "K-FAC: layer '" + name_ + "' has no bias gradient to precondition");
    m = torch::cat({m, gb.slice(0, block * g_dim_, (block + 1) * g_dim_).to(dtype).unsqueeze(1)}, 1);
  }
  return m;  // [g_dim, a_dim]
}

void KfacLayer::set_grad_matrix(std::int64_t block, const torch::Tensor& m) const {
  torch::NoGradGuard no_grad;
  torch::Tensor gw = weight_.mutable_grad();
  const std::int64_t w_cols = a_dim_ - (has_bias() ? 1 : 0);
  gw.view({gw.size(0), -1}).slice(0, block * g_dim_, (block + 1) * g_dim_).copy_(m.slice(1, 0, w_cols));
  if (has_bias()) bias_.mutable_grad().slice(0, block * g_dim_, (block + 1) * g_dim_).copy_(m.select(1, w_cols));
}

std::vector<KfacLayer> kfac_layers(torch::nn::Module& model, const std::vector<std::string>& skip) {
  std::vector<KfacLayer> out;
  const auto refs = capture_layers(model);
  std::string names;
  for (const auto& ref : refs) {
    names += (names.empty() ? "" : ", ") + ref.name;
    if (!skipped(ref.name, ref.is_conv, skip)) out.emplace_back(ref);
  }
  for (const auto& s : skip) {  // a misspelt name would silently precondition the layer
    bool used = s == "linear" || s == "conv2d";
    for (const auto& ref : refs) used = used || ref.name == s;
    CURVLAB_CHECK(used, ConfigError,
                  "kfac.skip_layers: '" + s + "' is neither a layer of the model nor a kind (linear, conv2d); "
                  "the model's K-FAC layers are: " + names);
  }
  return out;
}

}  // namespace curvlab
