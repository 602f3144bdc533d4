// K-FAC layer geometry: factor statistics from captured activations and gradients, gradient
// matrices with the bias as an extra column, patch extraction for convolutions.
#include "algorithms/kfac/kfac_layer.h"

#include <torch/nn/functional/fold.h>
#include <torch/nn/functional/padding.h>
#include <torch/torch.h>

#include "engine/error.h"

namespace curvlab {
namespace {

// [rows, d] -> [rows, d + 1] with a last column of ones.
torch::Tensor append_ones(const torch::Tensor& a) {
  return torch::cat({a, torch::ones({a.size(0), 1}, a.options())}, 1);
}

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

torch::Tensor KfacLayer::patches(const torch::Tensor& input) const {
  namespace F = torch::nn::functional;
  torch::Tensor x = input;
  if (pad_[0] + pad_[1] + pad_[2] + pad_[3] > 0) x = F::pad(x, F::PadFuncOptions(pad_));
  // [B, C*kh*kw, L]: channel-major columns, the order of weight.view(O, -1)
  torch::Tensor cols =
      F::unfold(x, F::UnfoldFuncOptions({kernel_[0], kernel_[1]}).dilation({dilation_[0], dilation_[1]})
                       .stride({stride_[0], stride_[1]}).padding(0));
  return cols.transpose(1, 2).reshape({-1, cols.size(1)});  // [B*L, C*kh*kw]
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
  torch::Tensor a, g;
  double spatial = 1.0;  // L for Conv2d
  if (!is_conv_) {
    a = in.reshape({-1, in.size(-1)}).to(dtype);  // [rows, in]
    g = go.reshape({-1, go.size(-1)}).to(dtype);  // [rows, out]
  } else {
    spatial = static_cast<double>(go.size(2) * go.size(3));
    a = patches(in.to(dtype));                                         // [B*L, C*kh*kw]
    g = go.permute({0, 2, 3, 1}).reshape({-1, go.size(1)}).to(dtype);  // [B*L, O]
    CURVLAB_CHECK(a.size(0) == g.size(0), NumericsError,
                  "K-FAC: layer '" + name_ + "': " + std::to_string(a.size(0)) + " patches but " +
                      std::to_string(g.size(0)) + " output positions; the layer's geometry is not modelled");
  }
  g = g * (grad_weight / spatial);
  const std::int64_t a_cols = a_dim_ - (has_bias() ? 1 : 0);
  for (std::int64_t j = 0; j < groups_; ++j) {
    torch::Tensor aj = groups_ == 1 ? a : a.slice(1, j * a_cols, (j + 1) * a_cols);
    if (has_bias()) aj = append_ones(aj);          // the bias column, scaled with the patches
    if (is_conv_) aj = aj / spatial;
    torch::Tensor gj = groups_ == 1 ? g : g.slice(1, j * g_dim_, (j + 1) * g_dim_);
    out[static_cast<std::size_t>(j)].a = aj.t().mm(aj);
    out[static_cast<std::size_t>(j)].g = gj.t().mm(gj);
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
