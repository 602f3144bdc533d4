// One K-FAC layer: how a capturing Linear or Conv2d layer turns its captured input and output
// gradient into Kronecker-factor statistics, and how its weight (+ bias) gradient is viewed as the
// matrix K-FAC preconditions. Not for: running averages, decompositions or communication
// (kfac_math.h, kfac_preconditioner.h).
//
// Conventions (gpauloski/kfac-pytorch; formulas in docs/kfac.md):
//   Linear  a = input rows [rows, in] (+ a column of ones when there is a bias), g = grad_output rows
//   Conv2d  a = unfolded input patches [B*L, C/groups*kh*kw] (+ ones) / L, g = grad_output as
//           [B*L, O/groups] / L, with L the output spatial size; padding, stride and dilation are
//           those of the layer; a grouped convolution has one Kronecker block per group.
//   A = a^T a / rows, G = g^T g / rows.
// This file computes the UNNORMALISED sums a^T a and (w g)^T (w g) and the row count, so the
// preconditioner can add them over ranks and divide by the global row count. For Conv2d the sums
// are accumulated sample by sample from [C*kh*kw, L] patch blocks over the intra-op threads (the
// [B*L, C*kh*kw] matrix is never built); the bias column enters through the column sums.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/kfac/capture_layers.h"

namespace curvlab {

// What one rank contributes to a block's factors in one factor update.
struct FactorSums {
  torch::Tensor a;   // [a_dim, a_dim] sum of a^T a
  torch::Tensor g;   // [g_dim, g_dim] sum of (w g)^T (w g)
};

class KfacLayer {
 public:
  // `ref` must be a capturing Linear or Conv2d. ConfigError for a padding mode other than zeros.
  explicit KfacLayer(const CaptureLayerRef& ref);

  const std::string& name() const { return name_; }
  bool is_conv() const { return is_conv_; }
  bool has_bias() const { return bias_.defined(); }
  std::int64_t blocks() const { return groups_; }  // Kronecker blocks (conv groups; 1 for Linear)
  std::int64_t a_dim() const { return a_dim_; }    // per block: in (+1) or C/groups*kh*kw (+1)
  std::int64_t g_dim() const { return g_dim_; }    // per block: out or O/groups
  const torch::Tensor& weight() const { return weight_; }

  // Turns this layer's capture on or off and drops what it held.
  void set_capture(bool on) const;
  // Per block: the local sums from the captured input and grad_output (zeros when nothing was
  // captured, e.g. a rank without samples). grad_weight rescales the output gradient of the local
  // mean loss to that of the global-batch mean loss (local samples / global samples).
  std::vector<FactorSums> factor_sums(double grad_weight, torch::ScalarType dtype) const;
  // Factor rows in the captured input (0 when nothing was captured).
  std::int64_t captured_rows() const;

  // The gradient of block b as a matrix [g_dim, a_dim] (bias as the last column), in `dtype`.
  torch::Tensor grad_matrix(std::int64_t block, torch::ScalarType dtype) const;
  // Writes a [g_dim, a_dim] matrix back into the weight (and bias) .grad() of block b.
  void set_grad_matrix(std::int64_t block, const torch::Tensor& m) const;

  // Conv2d only: the patches of an input [B, C, H, W] as [B, C*kh*kw, L], rows in the layer's
  // weight order (channel, kernel row, kernel column), with its padding, stride and dilation.
  torch::Tensor unfold(const torch::Tensor& input) const;

 private:
  std::string name_;
  LayerCapture* capture_ = nullptr;
  bool is_conv_ = false;
  torch::Tensor weight_, bias_;
  std::int64_t groups_ = 1, a_dim_ = 0, g_dim_ = 0;
  std::int64_t in_channels_ = 0;
  std::vector<std::int64_t> kernel_, stride_, dilation_;
  std::vector<std::int64_t> pad_;  // left, right, top, bottom (as F::pad takes them)
};

// The capturing layers of a model that K-FAC preconditions: all but those named in `skip`
// (a layer name such as "layer1.0.conv1", or a kind: "linear", "conv2d").
std::vector<KfacLayer> kfac_layers(torch::nn::Module& model, const std::vector<std::string>& skip);

}  // namespace curvlab
