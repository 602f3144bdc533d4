// Symmetric uniform fake quantization of a weight tensor: Q_b(W) = s * clamp(round(W / s), -q, q)
// with q = 2^(b-1) - 1 and s = range / q, the range taken per output channel (row of W viewed as
// [out, -1]), per group of rows (Q-BERT's group-wise quantization: G contiguous groups of output
// rows, each with its own range), or per tensor; the range is max |w| or, with percentile < 100,
// that percentile of |w| (weights beyond it are clipped). Bit widths 2..16.
// Not for: choosing bit widths (hawq.h) or integer kernels (the result is float, "fake" quantized).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "algorithms/quant/quant_options.h"

namespace curvlab {

// Q_b(W), same shape and dtype as w. ConfigError for bits < 2 or a bad granularity.
torch::Tensor fake_quantize(const torch::Tensor& w, std::int64_t bits, const QuantizerOptions& options);
// ||Q_b(W) - W||^2.
double quantization_error(const torch::Tensor& w, std::int64_t bits, const QuantizerOptions& options);

}  // namespace curvlab
