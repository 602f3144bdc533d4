// Linear and Conv2d layers that can capture what K-FAC needs (layer input, output gradient).
// They subclass LibTorch's own layers, so parameter names and numerics are unchanged; with
// capture off (the default) they behave exactly like torch::nn::Linear / Conv2d.
#pragma once

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace curvlab {

// What a capturing layer saw in the last forward/backward pass (while capture was on).
struct LayerCapture {
  bool enabled = false;
  torch::Tensor input;        // layer input, detached: Linear [B, in]; Conv2d [B, C, H, W]
  torch::Tensor grad_output;  // d loss / d output, as autograd delivered it: [B, out] / [B, O, H', W']
};

class CaptureLinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& input);  // input [B, in] -> [B, out]
  LayerCapture capture;
};
TORCH_MODULE(CaptureLinear);

class CaptureConv2dImpl : public torch::nn::Conv2dImpl {
 public:
  using torch::nn::Conv2dImpl::Conv2dImpl;
  torch::Tensor forward(const torch::Tensor& input);  // [B, C, H, W] -> [B, O, H', W']
  LayerCapture capture;
};
TORCH_MODULE(CaptureConv2d);

// A capturing layer found in a model, with its dotted module name (e.g. "layer1.0.conv1").
struct CaptureLayerRef {
  std::string name;
  torch::nn::Module* module = nullptr;
  LayerCapture* capture = nullptr;
  bool is_conv = false;
};
// All capturing layers of a model in registration (forward) order.
std::vector<CaptureLayerRef> capture_layers(torch::nn::Module& model);
// Turns capture on or off in every capturing layer of a model and drops what they held.
// While on, the output-gradient hooks point at the layers: keep the model alive until backward ends.
void set_capture(torch::nn::Module& model, bool enabled);

}  // namespace curvlab
