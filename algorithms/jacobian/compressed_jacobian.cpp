// Dense Jacobians of convolutional maps by compressed (coloured) vector-Jacobian products.
#include "algorithms/jacobian/compressed_jacobian.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "base/error.h"

namespace curvlab {

SpatialFootprint compose(const SpatialFootprint& first, const SpatialFootprint& second) {
  return {first.stride * second.stride, first.stride * second.radius + first.radius};
}

namespace {

// The colour period along an output axis of length n.
std::int64_t period(std::int64_t n, const SpatialFootprint& fp) {
  return std::min(n, (2 * fp.radius + 1 + fp.stride - 1) / fp.stride);
}

// window[i, a]: input coordinate a is within the footprint of output coordinate i. [n_out, n_in] bool
torch::Tensor window(std::int64_t n_out, std::int64_t n_in, const SpatialFootprint& fp) {
  const torch::Tensor i = torch::arange(n_out, torch::kInt64).unsqueeze(1) * fp.stride;
  const torch::Tensor a = torch::arange(n_in, torch::kInt64).unsqueeze(0);
  return (a - i).abs().le(fp.radius);
}

}  // namespace

std::int64_t compressed_colours(const std::vector<std::int64_t>& out_shape, const SpatialFootprint& fp) {
  CURVLAB_CHECK(out_shape.size() == 3, ConfigError, "compressed Jacobian: the output must be [C, H, W] per image");
  return out_shape[0] * period(out_shape[1], fp) * period(out_shape[2], fp);
}

torch::Tensor compressed_jacobian(const ImageMap& f, const torch::Tensor& x, const SpatialFootprint& fp,
                                  std::int64_t max_copies) {
  CURVLAB_CHECK(x.dim() == 4 && x.size(0) >= 1, ConfigError,
                "compressed Jacobian: x must be images [B, C, H, W] (got " + std::to_string(x.dim()) + " dimensions)");
  CURVLAB_CHECK(fp.stride >= 1 && fp.radius >= 0 && max_copies >= 1, ConfigError,
                "compressed Jacobian: stride >= 1, radius >= 0 and max_copies >= 1 are needed");
  const std::int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), in_dim = c * h * w;
  torch::Tensor probe;
  {
    torch::NoGradGuard no_grad;
    probe = f(x.slice(0, 0, 1));
  }
  CURVLAB_CHECK(probe.dim() == 4, ConfigError, "compressed Jacobian: the map must give images [B, C', H', W']");
  const std::int64_t oc = probe.size(1), oh = probe.size(2), ow = probe.size(3), out_dim = oc * oh * ow;
  const std::int64_t ph = period(oh, fp), pw = period(ow, fp), colours = oc * ph * pw;
  // colour of output row (c', i, j): c' ph pw + (i mod ph) pw + (j mod pw)   [out_dim]
  const torch::Tensor ci = torch::arange(oc, torch::kInt64).view({oc, 1, 1});
  const torch::Tensor ii = torch::arange(oh, torch::kInt64).remainder(ph).view({1, oh, 1});
  const torch::Tensor jj = torch::arange(ow, torch::kInt64).remainder(pw).view({1, 1, ow});
  const torch::Tensor colour = (ci * (ph * pw) + ii * pw + jj).reshape({out_dim});
  // mask[(c', i, j), (c, a, b)]: (a, b) within the window of (i, j)   [out_dim, in_dim]
  const torch::Tensor wh = window(oh, h, fp).view({1, oh, 1, 1, h, 1});
  const torch::Tensor ww = window(ow, w, fp).view({1, 1, ow, 1, 1, w});
  const torch::Tensor mask = wh.logical_and(ww).expand({oc, oh, ow, c, h, w}).reshape({out_dim, in_dim});
  const torch::Tensor missing = mask.logical_not();

  // Every (image, colour) pair is one copy of the image with the colour's cotangent.
  const std::int64_t jobs = b * colours;
  torch::Tensor compressed = torch::empty({jobs, in_dim}, x.options());  // row image * colours + colour
  torch::AutoGradMode grad_mode(true);
  for (std::int64_t start = 0; start < jobs; start += max_copies) {
    const std::int64_t n = std::min(max_copies, jobs - start);
    const torch::Tensor job = torch::arange(start, start + n, torch::kInt64);
    const torch::Tensor xr = x.detach().index_select(0, job.div(colours, "floor")).requires_grad_(true);
    const torch::Tensor y = f(xr).reshape({n, out_dim});
    const torch::Tensor cot = colour.unsqueeze(0).eq(job.remainder(colours).unsqueeze(1)).to(y.scalar_type());
    const torch::Tensor g = torch::autograd::grad({y}, {xr}, {cot}, /*retain_graph=*/false,
                                                  /*create_graph=*/false, /*allow_unused=*/true)[0];
    if (g.defined()) {
      compressed.slice(0, start, start + n).copy_(g.detach().reshape({n, in_dim}));
    } else {
      compressed.slice(0, start, start + n).zero_();
    }
  }
  std::vector<torch::Tensor> per_image;
  for (std::int64_t i = 0; i < b; ++i) {
    const torch::Tensor rows = compressed.slice(0, i * colours, (i + 1) * colours).index_select(0, colour);
    per_image.push_back(rows.masked_fill(missing, 0).to(torch::kFloat64));
  }
  return torch::stack(per_image, 0);
}

}  // namespace curvlab
