// A model on pixel-unit images: the data set's per-channel normalisation (the data loader's own
// transform) in front of a trained network, so that attacks and adversarial training perturb
// images in [0, 1] units; the box of valid pixels. Not for: the networks themselves (model.h).
#pragma once

#include <torch/types.h>

#include <vector>

#include "algorithms/attack/attack_options.h"
#include "base/net.h"

namespace curvlab {

// forward(x) = inner((x - mean) / stdev), per channel; the identity transform without normalisation.
class PixelNetImpl : public NetImpl {
 public:
  PixelNetImpl(Net inner, const std::vector<double>& mean, const std::vector<double>& stdev);
  torch::Tensor forward(torch::Tensor x) override;
  // Pixel-unit images of normalised inputs [B, C, ...]: x * stdev + mean.
  torch::Tensor to_pixels(const torch::Tensor& normalised) const;
  // The network's inputs for pixel-unit images: the data loader's normalisation.
  torch::Tensor normalise(const torch::Tensor& pixels) const;
  Net inner() const { return inner_; }

 private:
  Net inner_;
  std::vector<double> mean_list_, stdev_list_;
  torch::Tensor mean_, stdev_;  // [C] float32, undefined without normalisation
};

using PixelNet = std::shared_ptr<PixelNetImpl>;

// The valid pixel box: the smallest and largest value of `pixels` (a training split in pixel units:
// [0, 1] for Fashion-MNIST).
InputBox pixel_box(const torch::Tensor& pixels);

}  // namespace curvlab
