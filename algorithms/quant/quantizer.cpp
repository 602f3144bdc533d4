// Symmetric per-channel / group-wise / per-tensor fake quantization.
#include "algorithms/quant/quantizer.h"

#include <torch/torch.h>

#include <cmath>

#include "base/error.h"

namespace curvlab {
namespace {
// The clipping range of each row of m [R, K]: max |w| or the percentile of |w|, [R, 1].
torch::Tensor row_ranges(const torch::Tensor& m, double percentile) {
  const torch::Tensor a = m.abs();
  if (percentile >= 100.0) return std::get<0>(a.max(1, /*keepdim=*/true));
  return torch::quantile(a, percentile / 100.0, /*dim=*/1, /*keepdim=*/true);
}
}  // namespace

const EnumNames<Granularity>& granularity_names() {
  static const EnumNames<Granularity> names = {
      {Granularity::kChannel, "channel"}, {Granularity::kGroup, "group"}, {Granularity::kTensor, "tensor"}};
  return names;
}

torch::Tensor fake_quantize(const torch::Tensor& w, std::int64_t bits, const QuantizerOptions& o) {
  CURVLAB_CHECK(bits >= 2 && bits <= 16, ConfigError,
                "quantization: bits must be in [2, 16] (got " + std::to_string(bits) + ")");
  const torch::Tensor x = w.detach().to(torch::kFloat64);
  const std::int64_t rows = x.dim() >= 2 ? x.size(0) : 1;
  torch::Tensor m;  // [R, K]: one range per row
  if (o.granularity == Granularity::kChannel) {
    m = x.reshape({rows, -1});
  } else if (o.granularity == Granularity::kTensor) {
    m = x.reshape({1, -1});
  } else {  // Granularity::kGroup
    CURVLAB_CHECK(o.groups >= 1, ConfigError, "quantization: groups must be >= 1");
    const std::int64_t g = std::min(o.groups, rows);
    // G contiguous groups of rows (sizes differ by at most one), each flattened to one row.
    std::vector<torch::Tensor> parts;
    const torch::Tensor r = x.reshape({rows, -1});
    for (std::int64_t i = 0; i < g; ++i) {
      const std::int64_t lo = rows * i / g, hi = rows * (i + 1) / g;
      const torch::Tensor part = r.slice(0, lo, hi);
      const double range = row_ranges(part.reshape({1, -1}), o.percentile).item<double>();
      parts.push_back(torch::full({hi - lo, 1}, range, torch::kFloat64));
    }
    const torch::Tensor ranges = torch::cat(parts);  // [R, 1]
    const double q = std::pow(2.0, static_cast<double>(bits - 1)) - 1.0;
    const torch::Tensor s = torch::where(ranges > 0, ranges / q, torch::ones_like(ranges));
    return (torch::clamp(torch::round(r / s), -q, q) * s).reshape(w.sizes()).to(w.scalar_type());
  }
  const double q = std::pow(2.0, static_cast<double>(bits - 1)) - 1.0;
  const torch::Tensor ranges = row_ranges(m, o.percentile);
  const torch::Tensor s = torch::where(ranges > 0, ranges / q, torch::ones_like(ranges));
  return (torch::clamp(torch::round(m / s), -q, q) * s).reshape(w.sizes()).to(w.scalar_type());
}

double quantization_error(const torch::Tensor& w, std::int64_t bits, const QuantizerOptions& o) {
  const torch::Tensor d = fake_quantize(w, bits, o).to(torch::kFloat64) - w.detach().to(torch::kFloat64);
  return d.square().sum().item<double>();
}

}  // namespace curvlab
