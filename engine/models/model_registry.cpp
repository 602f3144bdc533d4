// The model registry: model names and make_model (input-shape checks, then the constructor).
#include <sstream>

#include "base/error.h"
#include "engine/models/convnet.h"
#include "engine/models/lenet5.h"
#include "engine/models/lenet_like.h"
#include "engine/models/mlp.h"
#include "engine/models/model.h"
#include "engine/models/resnet.h"
#include "engine/models/shallow_decoder.h"

namespace curvlab {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> kNames = {"mlp",      "lenet5",   "lenet_like", "convnet",  "resnet20",
                                                  "resnet32", "resnet44", "resnet56",   "resnet110", "shallow_decoder"};
  return kNames;
}

const EnumNames<DecoderNorm>& decoder_norm_names() {
  static const EnumNames<DecoderNorm> names = {
      {DecoderNorm::kFeature, "feature"}, {DecoderNorm::kShared, "shared"}, {DecoderNorm::kNone, "none"}};
  return names;
}

std::vector<std::int64_t> decoder_widths(const ModelOptions& spec) {
  return spec.widths_given && !spec.widths.empty() ? spec.widths : std::vector<std::int64_t>{40, 45};
}

Net make_model(const ModelOptions& spec, const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes) {
  CURVLAB_CHECK(sample_shape.size() == 3 && sample_shape[0] > 0 && sample_shape[1] > 0 && sample_shape[2] > 0,
                ConfigError, "make_model: the sample shape must be 3 positive sizes [C, H, W]");
  CURVLAB_CHECK(num_classes >= 1, ConfigError, "make_model: the number of classes must be >= 1");
  CURVLAB_CHECK(spec.kappa >= 0, ConfigError,
                "model.kappa must be >= 0 (JumpReLU's threshold; got " + std::to_string(spec.kappa) + ")");
  const std::string& name = spec.name;
  const ActivationFn act{spec.activation, spec.kappa};
  if (name == "mlp") {
    return std::make_shared<MlpImpl>(sample_shape[0] * sample_shape[1] * sample_shape[2], spec.widths, act,
                                     num_classes);
  }
  if (name == "lenet5") return std::make_shared<LeNet5Impl>(sample_shape, num_classes, act);
  if (name == "lenet_like") return std::make_shared<LeNetLikeImpl>(sample_shape, num_classes, act);
  if (name == "convnet") return std::make_shared<ConvNetImpl>(sample_shape, num_classes, act);
  if (name == "shallow_decoder") {
    return std::make_shared<ShallowDecoderImpl>(sample_shape[0] * sample_shape[1] * sample_shape[2],
                                                decoder_widths(spec), act, spec.batch_norm, num_classes);
  }
  if (const std::int64_t n = resnet_blocks_per_stage(name)) {
    const std::vector<std::int64_t> widths = resnet_widths(spec);
    const std::string why = resnet_widths_problem(widths);
    CURVLAB_CHECK(why.empty(), ConfigError, "model.widths of " + name + ": " + why);
    return std::make_shared<ResNetImpl>(n, sample_shape, num_classes, act, widths);
  }
  std::string list;
  for (const auto& m : model_names()) list += (list.empty() ? "" : ", ") + m;
  CURVLAB_THROW(ConfigError, "unknown model.name \"" + name + "\"; allowed: " + list);
}

std::vector<std::int64_t> resnet_widths(const ModelOptions& spec) {
  return spec.widths_given && !spec.widths.empty() ? spec.widths : std::vector<std::int64_t>{16, 32, 64};
}

std::string resnet_widths_problem(const std::vector<std::int64_t>& w) {
  if (w.size() != 3) return "a ResNet takes 3 stage widths, like [4, 8, 16] (got " + std::to_string(w.size()) + ")";
  if (w[0] < 2 || w[0] % 2 != 0 || w[1] != 2 * w[0] || w[2] != 2 * w[1]) {
    return "the stage widths must be w, 2w, 4w with w even (option A shortcuts pad w/2 zero channels on each "
           "side), like [4, 8, 16] or [16, 32, 64]; got [" + std::to_string(w[0]) + ", " + std::to_string(w[1]) +
           ", " + std::to_string(w[2]) + "]";
  }
  return "";
}

std::string model_spec_string(const ModelOptions& spec, const std::vector<std::int64_t>& sample_shape,
                              std::int64_t num_classes) {
  std::string s = spec.name;
  for (std::int64_t d : sample_shape) s += ":" + std::to_string(d);
  s += ":" + std::to_string(num_classes);
  // The MLP always names its widths and activation; the other models only when the activation is
  // not relu (so that the specs of relu models, and the checkpoints holding them, stay as they were).
  if (spec.name == "shallow_decoder") {  // always every part: widths, activation, kappa, batch norm
    std::string widths;
    for (std::int64_t w : decoder_widths(spec)) widths += (widths.empty() ? "" : "x") + std::to_string(w);
    std::ostringstream k;
    k.precision(17);
    k << spec.kappa;
    return s + ":" + widths + ":" + activation_names().name(spec.activation) + ":" + k.str() + ":" +
           decoder_norm_names().name(spec.batch_norm);
  }
  const bool resnet = resnet_blocks_per_stage(spec.name) > 0;
  const bool narrow = resnet && resnet_widths(spec) != std::vector<std::int64_t>{16, 32, 64};
  if (spec.name == "mlp" || narrow || spec.activation != Activation::kRelu) {
    std::string widths;
    if (spec.name == "mlp" || narrow) {
      for (std::int64_t w : resnet ? resnet_widths(spec) : spec.widths) {
        widths += (widths.empty() ? "" : "x") + std::to_string(w);
      }
    }
    s += ":" + (widths.empty() ? std::string("-") : widths) + ":" + activation_names().name(spec.activation);
    if (spec.activation == Activation::kJumpRelu) {
      std::ostringstream k;
      k.precision(17);
      k << spec.kappa;
      s += ":" + k.str();
    }
  }
  return s;
}

}  // namespace curvlab
