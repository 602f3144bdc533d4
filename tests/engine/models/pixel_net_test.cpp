// The pixel-unit model (engine/models/pixel_net.cpp): its forward is the network on the data
// loader's normalisation of the pixels (bitwise: the same transform), to_pixels inverts it (within
// 1e-6), gradients flow to the pixels; without normalisation it is the network itself; the box.
#include "engine/models/pixel_net.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "base/error.h"
#include "engine/data/preprocess.h"
#include "engine/models/model.h"

using namespace curvlab;

TEST(PixelNet, NormalisesLikeTheLoaderAndInverts) {
  torch::manual_seed(1);
  ModelOptions o;
  o.name = "convnet";
  Net inner = make_model(o, {3, 8, 8}, 4);
  inner->eval();
  const std::vector<double> mean = {0.2, 0.5, 0.7}, stdev = {0.3, 0.1, 0.25};
  PixelNetImpl net(inner, mean, stdev);
  const torch::Tensor pixels = torch::rand({5, 3, 8, 8});
  torch::Tensor normalised = pixels.clone();
  normalize_channels(normalised, mean, stdev);
  EXPECT_TRUE(net.normalise(pixels).equal(normalised));
  EXPECT_TRUE(net.forward(pixels).equal(inner->forward(normalised)));
  EXPECT_LE((net.to_pixels(normalised) - pixels).abs().max().item<double>(), 1e-6);
  torch::Tensor x = pixels.clone().requires_grad_(true);
  net.forward(x).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0);
}

TEST(PixelNet, IdentityWithoutNormalisationAndTheBox) {
  ModelOptions o;
  o.name = "mlp";
  o.widths = {6};
  Net inner = make_model(o, {1, 2, 2}, 3);
  PixelNetImpl net(inner, {}, {});
  const torch::Tensor x = torch::rand({4, 1, 2, 2});
  EXPECT_TRUE(net.forward(x).equal(inner->forward(x)));
  EXPECT_TRUE(net.to_pixels(x).equal(x));
  const InputBox box = pixel_box(torch::tensor({0.25, -1.0, 3.0}));
  EXPECT_EQ(box.lo, -1.0);
  EXPECT_EQ(box.hi, 3.0);
  EXPECT_THROW(pixel_box(torch::zeros({0})), ConfigError);
  EXPECT_THROW(PixelNetImpl(inner, {0.5}, {}), ConfigError);
}
