// The shallow decoder (see shallow_decoder.h).
#include "engine/models/shallow_decoder.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>

#include "algorithms/kfac/capture_layers.h"
#include "base/error.h"
#include "engine/models/batchnorm.h"

namespace curvlab {
namespace {

CaptureLinear xavier_linear(std::int64_t in, std::int64_t out) {
  CaptureLinear l(in, out);
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_normal_(l->weight);
  torch::nn::init::zeros_(l->bias);
  return l;
}

}  // namespace

ShallowDecoderImpl::ShallowDecoderImpl(std::int64_t sensors, const std::vector<std::int64_t>& widths,
                                       ActivationFn activation, DecoderNorm norm, std::int64_t outputs)
    : act_(activation), norm_(norm) {
  CURVLAB_CHECK(widths.size() == 2 && widths[0] >= 1 && widths[1] >= 1, ConfigError,
                "model.widths of shallow_decoder: two hidden widths >= 1, like [40, 45]");
  CURVLAB_CHECK(sensors >= 1 && outputs >= 1, ConfigError, "shallow_decoder: needs >= 1 sensor and >= 1 output");
  std::int64_t in = sensors;
  for (auto* b : {&learn_features_, &learn_coef_}) {
    const std::int64_t w = b == &learn_features_ ? widths[0] : widths[1];
    b->get()->push_back(xavier_linear(in, w));
    // Index 1 is the activation's slot, as in the reference's Sequential (so its names are .0 and .2);
    // block() applies model.activation itself, so the slot holds a parameterless ReLU module.
    b->get()->push_back(torch::nn::ReLU());
    if (norm_ != DecoderNorm::kNone) b->get()->push_back(SyncableBatchNorm2d(norm_ == DecoderNorm::kShared ? 1 : w));
    in = w;
  }
  learn_dictionary_->push_back(xavier_linear(in, outputs));
  register_module("learn_features", learn_features_);
  register_module("learn_coef", learn_coef_);
  register_module("learn_dictionary", learn_dictionary_);
}

torch::Tensor ShallowDecoderImpl::block(torch::nn::ModuleList& b, torch::Tensor x) {
  x = act_(b[0]->as<CaptureLinearImpl>()->forward(x), is_training());  // [B, w]
  if (norm_ == DecoderNorm::kNone) return x;
  const std::int64_t n = x.size(0), w = x.size(1);
  // feature: BatchNorm over [B, w, 1, 1] (= BatchNorm1d(w)); shared: over [B, 1, w, 1] (= BatchNorm1d(1) on [B, 1, w])
  const std::vector<std::int64_t> shape =
      norm_ == DecoderNorm::kFeature ? std::vector<std::int64_t>{n, w, 1, 1} : std::vector<std::int64_t>{n, 1, w, 1};
  return b[2]->as<SyncableBatchNorm2dImpl>()->forward(x.reshape(shape)).reshape({n, w});
}

torch::Tensor ShallowDecoderImpl::forward(torch::Tensor x) {
  x = x.flatten(1);  // [B, s]
  x = block(learn_features_, x);
  x = block(learn_coef_, x);
  return learn_dictionary_[0]->as<CaptureLinearImpl>()->forward(x);  // [B, m]
}

}  // namespace curvlab
