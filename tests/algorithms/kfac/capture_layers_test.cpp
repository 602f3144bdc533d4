// Tests of algorithms/kfac/capture_layers.cpp beyond the layer-level ones in
// tests/engine/models/layers_test.cpp: set_capture switches every capturing layer of a nested model
// and drops what they held; capture_layers lists only capturing layers, with their dotted names
// (the root itself as ""); a new forward pass replaces the held input and clears a stale output
// gradient; an output that autograd does not track is captured without a gradient hook.
#include "algorithms/kfac/capture_layers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include "engine/models/model.h"

namespace curvlab {
namespace {

// fc1 (capturing) -> block { a plain torch::nn::Linear, a capturing Linear } -> tanh -> fc3 (capturing)
struct NestedImpl : torch::nn::Module {
  NestedImpl() {
    fc1 = register_module("fc1", CaptureLinear(4, 3));
    block = register_module("block", torch::nn::Sequential(torch::nn::Linear(3, 3), CaptureLinear(3, 2)));
    fc3 = register_module("fc3", CaptureLinear(2, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc3->forward(torch::tanh(block->forward(fc1->forward(x)))); }
  CaptureLinear fc1{nullptr}, fc3{nullptr};
  torch::nn::Sequential block{nullptr};
};
TORCH_MODULE(Nested);

TEST(CaptureLayers, ListsOnlyCapturingLayersWithDottedNames) {
  Nested net;
  std::vector<std::string> names;
  for (const auto& r : capture_layers(*net)) {
    names.push_back(r.name);
    EXPECT_FALSE(r.is_conv) << r.name;
    EXPECT_NE(r.capture, nullptr);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"fc1", "block.1", "fc3"}));  // block.0 is a plain Linear
  CaptureConv2d conv(torch::nn::Conv2dOptions(1, 2, 3));
  const auto root = capture_layers(*conv);  // a capturing layer as the model itself
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0].name, "");
  EXPECT_TRUE(root[0].is_conv);
  EXPECT_EQ(root[0].capture, &conv->capture);
  torch::nn::Linear plain(2, 2);
  EXPECT_TRUE(capture_layers(*plain).empty());
}

TEST(CaptureLayers, SetCaptureSwitchesEveryLayerAndDropsWhatTheyHeld) {
  Nested net;
  set_capture(*net, true);
  for (const auto& r : capture_layers(*net)) EXPECT_TRUE(r.capture->enabled) << r.name;
  net->forward(torch::randn({5, 4})).sum().backward();
  for (const auto& r : capture_layers(*net)) {
    EXPECT_TRUE(r.capture->input.defined()) << r.name;
    EXPECT_TRUE(r.capture->grad_output.defined()) << r.name;
  }
  // Shapes as each layer saw them: block.1 takes block.0's [5, 3] output, fc3 returns [5, 2].
  const auto refs = capture_layers(*net);
  EXPECT_EQ(refs[1].capture->input.size(1), 3);
  EXPECT_EQ(refs[2].capture->grad_output.size(1), 2);
  set_capture(*net, true);  // switching on again drops old captures
  for (const auto& r : capture_layers(*net)) EXPECT_FALSE(r.capture->input.defined()) << r.name;
  set_capture(*net, false);
  net->forward(torch::randn({5, 4})).sum().backward();
  for (const auto& r : capture_layers(*net)) {
    EXPECT_FALSE(r.capture->enabled || r.capture->input.defined() || r.capture->grad_output.defined()) << r.name;
  }
}

TEST(CaptureLayers, ANewForwardReplacesTheInputAndClearsAStaleGradient) {
  torch::manual_seed(2);
  CaptureLinear lin(3, 2);
  lin->capture.enabled = true;
  const auto x1 = torch::randn({4, 3}), x2 = torch::randn({6, 3});
  lin->forward(x1).sum().backward();
  ASSERT_TRUE(lin->capture.grad_output.defined());
  EXPECT_TRUE(torch::equal(lin->capture.grad_output, torch::ones({4, 2})));  // d sum / d out = 1
  auto out2 = lin->forward(x2);
  EXPECT_TRUE(torch::equal(lin->capture.input, x2));
  EXPECT_FALSE(lin->capture.grad_output.defined());  // the first pass's gradient is gone
  (2 * out2).sum().backward();
  EXPECT_TRUE(torch::equal(lin->capture.grad_output, torch::full({6, 2}, 2.0)));
}

TEST(CaptureLayers, AnUntrackedOutputIsCapturedWithoutAGradientHook) {
  CaptureLinear lin(3, 2);
  for (auto& p : lin->parameters()) p.requires_grad_(false);
  lin->capture.enabled = true;
  const auto x = torch::randn({2, 3});
  const auto out = lin->forward(x);
  EXPECT_FALSE(out.requires_grad());
  EXPECT_TRUE(torch::equal(lin->capture.input, x));
  EXPECT_FALSE(lin->capture.grad_output.defined());
}

// ---- moved from tests/engine/models/layers_test.cpp ----

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(CaptureLayers, CaptureOffEqualsTorchLayers) {
  torch::manual_seed(1);
  CaptureLinear lin(5, 3);
  torch::nn::Linear ref_lin(5, 3);
  CaptureConv2d conv(torch::nn::Conv2dOptions(2, 4, 3).padding(1).stride(2));
  torch::nn::Conv2d ref_conv(torch::nn::Conv2dOptions(2, 4, 3).padding(1).stride(2));
  {
    torch::NoGradGuard g;
    ref_lin->weight.copy_(lin->weight);
    ref_lin->bias.copy_(lin->bias);
    ref_conv->weight.copy_(conv->weight);
    ref_conv->bias.copy_(conv->bias);
  }
  auto x = torch::randn({4, 5});
  auto img = torch::randn({2, 2, 7, 6});
  EXPECT_TRUE(lin->forward(x).equal(ref_lin->forward(x)));
  EXPECT_TRUE(conv->forward(img).equal(ref_conv->forward(img)));
  EXPECT_FALSE(lin->capture.input.defined());
  EXPECT_FALSE(conv->capture.grad_output.defined());
  // Names are LibTorch's own.
  EXPECT_EQ(lin->named_parameters().keys(), ref_lin->named_parameters().keys());
  EXPECT_EQ(conv->named_parameters().keys(), ref_conv->named_parameters().keys());
}

// Runs loss = sum(out * r + out^2 / 2); compares the capture with autograd.grad(loss, out).
template <typename Layer>
void check_capture(Layer& layer, const torch::Tensor& input) {
  layer->capture.enabled = true;
  auto x = input.clone().requires_grad_(true);
  auto out = layer->forward(x);
  auto r = torch::randn_like(out);
  auto loss = (out * r + out * out / 2).sum();
  auto expected = torch::autograd::grad({loss}, {out}, {}, /*retain_graph=*/true)[0];
  layer->capture.grad_output = torch::Tensor();
  loss.backward();
  ASSERT_TRUE(layer->capture.grad_output.defined());
  EXPECT_FALSE(layer->capture.input.requires_grad());
  EXPECT_TRUE(layer->capture.input.equal(input));
  EXPECT_EQ(layer->capture.grad_output.sizes(), out.sizes());
  const double d = max_diff(layer->capture.grad_output, expected);
  EXPECT_EQ(d, 0.0) << "max |captured - autograd.grad| = " << d;
  EXPECT_FALSE(layer->capture.grad_output.requires_grad());

  // No capture when autograd does not record.
  layer->capture.input = torch::Tensor();
  {
    torch::NoGradGuard g;
    layer->forward(input);
  }
  EXPECT_FALSE(layer->capture.input.defined());
}

TEST(CaptureLayers, LinearCapturesInputAndOutputGradient) {
  torch::manual_seed(2);
  CaptureLinear lin(6, 4);
  check_capture(lin, torch::randn({5, 6}));
}

TEST(CaptureLayers, Conv2dCapturesInputAndOutputGradient) {
  torch::manual_seed(3);
  CaptureConv2d conv(torch::nn::Conv2dOptions(3, 5, 3).padding(1));
  check_capture(conv, torch::randn({2, 3, 6, 5}));
}

TEST(CaptureLayers, FindsLayersInForwardOrder) {
  auto resnet = make_model(ModelOptions{"resnet20"}, {3, 32, 32}, 10);
  auto refs = capture_layers(*resnet);
  ASSERT_EQ(refs.size(), 20u);  // 19 convolutions + the final linear
  EXPECT_EQ(refs[0].name, "conv1");
  EXPECT_EQ(refs[1].name, "layer1.0.conv1");
  EXPECT_EQ(refs[2].name, "layer1.0.conv2");
  EXPECT_EQ(refs[7].name, "layer2.0.conv1");
  EXPECT_EQ(refs[18].name, "layer3.2.conv2");
  EXPECT_EQ(refs[19].name, "linear");
  EXPECT_TRUE(refs[0].is_conv);
  EXPECT_FALSE(refs[19].is_conv);
  auto params = resnet->named_parameters();
  for (const auto& r : refs) EXPECT_TRUE(params.contains(r.name + ".weight")) << r.name;

  auto convnet = make_model(ModelOptions{"convnet"}, {1, 28, 28}, 10);
  std::vector<std::string> names;
  for (const auto& r : capture_layers(*convnet)) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "conv2", "fc1", "fc2"}));
}

// In a whole model, captures give the weight gradients: Linear dW = g^T a, db = sum g;
// Conv2d db = sum over batch and positions of g.
TEST(CaptureLayers, CapturesReproduceModelGradients) {
  torch::manual_seed(4);
  auto model = make_model(ModelOptions{"convnet"}, {1, 12, 12}, 5);
  auto refs = capture_layers(*model);
  set_capture(*model, true);
  auto x = torch::randn({3, 1, 12, 12});
  auto y = torch::tensor({0, 4, 2}, torch::kInt64);
  torch::nn::functional::cross_entropy(model->forward(x), y).backward();
  auto params = model->named_parameters();
  for (const auto& r : refs) {
    const auto& g = r.capture->grad_output;
    const auto& a = r.capture->input;
    ASSERT_TRUE(g.defined() && a.defined()) << r.name;
    if (r.is_conv) {
      const double d = max_diff(g.sum({0, 2, 3}), params[r.name + ".bias"].grad());
      EXPECT_LT(d, 1e-6) << r.name << " bias: max diff " << d;
    } else {
      const double dw = max_diff(g.t().matmul(a), params[r.name + ".weight"].grad());
      const double db = max_diff(g.sum(0), params[r.name + ".bias"].grad());
      EXPECT_LT(dw, 1e-6) << r.name << " weight: max diff " << dw;
      EXPECT_LT(db, 1e-6) << r.name << " bias: max diff " << db;
    }
  }
  set_capture(*model, false);
  for (const auto& r : refs) {
    EXPECT_FALSE(r.capture->enabled || r.capture->input.defined() || r.capture->grad_output.defined()) << r.name;
  }
  model->forward(x).sum().backward();
  for (const auto& r : refs) EXPECT_FALSE(r.capture->input.defined()) << r.name;
}

}  // namespace
}  // namespace curvlab
