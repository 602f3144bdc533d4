// The normalisation in front of a network (see pixel_net.h).
#include "engine/models/pixel_net.h"

#include <torch/torch.h>

#include "base/error.h"
#include "engine/data/preprocess.h"

namespace curvlab {
namespace {

// c [C] viewed as [1, C, 1, ...] for inputs of `dims` dimensions.
torch::Tensor channel_view(const torch::Tensor& c, std::int64_t dims) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(dims), 1);
  shape[1] = c.numel();
  return c.reshape(shape);
}

}  // namespace

PixelNetImpl::PixelNetImpl(Net inner, const std::vector<double>& mean, const std::vector<double>& stdev)
    : inner_(register_module("inner", std::move(inner))) {
  CURVLAB_CHECK(mean.size() == stdev.size(), ConfigError, "normalisation: mean and stdev differ in length");
  mean_list_ = mean;
  stdev_list_ = stdev;
  if (!mean.empty()) {
    std::vector<float> m(mean.begin(), mean.end()), sd;
    // normalize_channels' floor for constant channels (a stdev below 1e-12 divides by 1).
    for (double v : stdev) sd.push_back(static_cast<float>(v < 1e-12 ? 1.0 : v));
    mean_ = torch::tensor(m);
    stdev_ = torch::tensor(sd);
  }
}

torch::Tensor PixelNetImpl::forward(torch::Tensor x) { return inner_->forward(normalise(x)); }

torch::Tensor PixelNetImpl::normalise(const torch::Tensor& pixels) const {
  if (!mean_.defined()) return pixels;
  // The data loader's own transform (engine/data/preprocess.h), on a copy that autograd follows.
  torch::Tensor x = pixels.clone();
  normalize_channels(x, mean_list_, stdev_list_);
  return x;
}

torch::Tensor PixelNetImpl::to_pixels(const torch::Tensor& normalised) const {
  if (!mean_.defined()) return normalised;
  return normalised * channel_view(stdev_, normalised.dim()) + channel_view(mean_, normalised.dim());
}

InputBox pixel_box(const torch::Tensor& pixels) {
  CURVLAB_CHECK(pixels.numel() > 0, ConfigError, "the training split is empty: no pixel range for the attacks");
  return {pixels.min().item<double>(), pixels.max().item<double>()};
}

}  // namespace curvlab
