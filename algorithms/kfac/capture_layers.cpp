// Capturing Linear / Conv2d: the base layer's forward plus, while capture is on and autograd
// records, the detached input and a hook that stores the output gradient.
#include "algorithms/kfac/capture_layers.h"

#include <torch/autograd.h>

namespace curvlab {
namespace {

// Saves input and arranges for grad_output to be stored when autograd reaches `output`.
// The hook holds a raw pointer to the capture: the layer must outlive the backward pass.
void record(LayerCapture& capture, const torch::Tensor& input, torch::Tensor& output) {
  if (!capture.enabled || !torch::GradMode::is_enabled()) return;
  capture.input = input.detach();
  capture.grad_output = torch::Tensor();
  if (!output.requires_grad()) return;
  LayerCapture* target = &capture;
  output.register_hook([target](const torch::Tensor& grad) { target->grad_output = grad.detach(); });
}

}  // namespace

torch::Tensor CaptureLinearImpl::forward(const torch::Tensor& input) {
  auto output = torch::nn::LinearImpl::forward(input);
  record(capture, input, output);
  return output;
}

torch::Tensor CaptureConv2dImpl::forward(const torch::Tensor& input) {
  auto output = torch::nn::Conv2dImpl::forward(input);
  record(capture, input, output);
  return output;
}

std::vector<CaptureLayerRef> capture_layers(torch::nn::Module& model) {
  std::vector<CaptureLayerRef> out;
  auto visit = [&](const std::string& name, torch::nn::Module* m) {
    if (auto* lin = dynamic_cast<CaptureLinearImpl*>(m)) {
      out.push_back({name, m, &lin->capture, false});
    } else if (auto* conv = dynamic_cast<CaptureConv2dImpl*>(m)) {
      out.push_back({name, m, &conv->capture, true});
    }
  };
  visit("", &model);
  for (const auto& item : model.named_modules("", /*include_self=*/false)) visit(item.key(), item.value().get());
  return out;
}

void set_capture(torch::nn::Module& model, bool enabled) {
  for (auto& ref : capture_layers(model)) {
    ref.capture->enabled = enabled;
    ref.capture->input = torch::Tensor();
    ref.capture->grad_output = torch::Tensor();
  }
}

}  // namespace curvlab
