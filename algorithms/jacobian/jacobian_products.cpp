// Jacobian-vector and vector-Jacobian products per image, and dense Jacobians by batched VJPs.
#include "algorithms/jacobian/jacobian_products.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"

namespace curvlab {

JacobianAt::JacobianAt(const ImageMap& f, const torch::Tensor& x) {
  CURVLAB_CHECK(x.dim() >= 2 && x.size(0) >= 1, ConfigError,
                "Jacobian: x must be a batch [B, ...] with B >= 1 (got " + std::to_string(x.dim()) + " dimensions)");
  torch::AutoGradMode grad_mode(true);
  x_ = x.detach().requires_grad_(true);
  y_graph_ = f(x_);
  CURVLAB_CHECK(y_graph_.dim() >= 1 && y_graph_.size(0) == x.size(0), ConfigError,
                "Jacobian: the map must keep the batch dimension (" + std::to_string(x.size(0)) + " images in, " +
                    std::to_string(y_graph_.dim() >= 1 ? y_graph_.size(0) : 0) + " out)");
  CURVLAB_CHECK(y_graph_.requires_grad(), ConfigError, "Jacobian: the map's output does not depend on its input");
  y_ = y_graph_.detach();
  in_dim_ = x_[0].numel();
  out_dim_ = y_[0].numel();
}

torch::Tensor JacobianAt::vjp(const torch::Tensor& u) {
  CURVLAB_CHECK(u.numel() == y_.numel(), ConfigError,
                "Jacobian: a cotangent needs " + std::to_string(y_.numel()) + " elements (got " +
                    std::to_string(u.numel()) + ")");
  const torch::Tensor g = torch::autograd::grad({y_graph_}, {x_}, {u.reshape(y_.sizes()).to(y_.scalar_type())},
                                                /*retain_graph=*/true, /*create_graph=*/false,
                                                /*allow_unused=*/true)[0];
  const std::int64_t b = y_.size(0);
  return g.defined() ? g.detach().reshape({b, in_dim_}) : torch::zeros({b, in_dim_}, x_.options());
}

torch::Tensor JacobianAt::jvp(const torch::Tensor& v) {
  CURVLAB_CHECK(v.numel() == x_.numel(), ConfigError,
                "Jacobian: a tangent needs " + std::to_string(x_.numel()) + " elements (got " +
                    std::to_string(v.numel()) + ")");
  const std::int64_t b = y_.size(0);
  if (!u_.defined()) {
    torch::AutoGradMode grad_mode(true);
    u_ = torch::zeros_like(y_).requires_grad_(true);
    jt_u_ = torch::autograd::grad({y_graph_}, {x_}, {u_}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  }
  if (!jt_u_.requires_grad()) return torch::zeros({b, out_dim_}, y_.options());  // J^T u does not depend on u: J = 0
  const torch::Tensor jv = torch::autograd::grad({jt_u_}, {u_}, {v.reshape(x_.sizes()).to(x_.scalar_type())},
                                                 /*retain_graph=*/true, /*create_graph=*/false,
                                                 /*allow_unused=*/true)[0];
  return jv.defined() ? jv.detach().reshape({b, out_dim_}) : torch::zeros({b, out_dim_}, y_.options());
}

torch::Tensor dense_jacobian(const ImageMap& f, const torch::Tensor& x, std::int64_t rows) {
  CURVLAB_CHECK(rows >= 1, ConfigError, "dense Jacobian: rows per pass must be >= 1 (got " + std::to_string(rows) + ")");
  CURVLAB_CHECK(x.dim() >= 2 && x.size(0) >= 1, ConfigError, "dense Jacobian: x must be a batch [B, ...] with B >= 1");
  const std::int64_t b = x.size(0), in_dim = x[0].numel();
  std::vector<torch::Tensor> per_image;
  torch::AutoGradMode grad_mode(true);
  for (std::int64_t i = 0; i < b; ++i) {
    const torch::Tensor xi = x.slice(0, i, i + 1).detach();
    std::vector<torch::Tensor> blocks;
    std::int64_t out_dim = 0;
    {
      torch::NoGradGuard no_grad;  // one cheap forward learns out_dim (no pass of `rows` copies for 7 rows)
      out_dim = f(xi)[0].numel();
    }
    for (std::int64_t start = 0; start < out_dim; start += rows) {
      const std::int64_t copies = std::min(rows, out_dim - start);  // the last pass may need fewer
      std::vector<std::int64_t> reps(static_cast<std::size_t>(x.dim()), 1);
      reps[0] = copies;
      const torch::Tensor xr = xi.repeat(reps).requires_grad_(true);
      const torch::Tensor y = f(xr);
      const torch::Tensor flat = y.reshape({copies, -1});
      // Cotangent of copy r: the basis vector e_{start + r}.
      torch::Tensor e = torch::zeros_like(flat);
      const torch::Tensor r = torch::arange(copies, torch::kInt64);
      e.index_put_({r, r + start}, 1.0);
      const torch::Tensor g = torch::autograd::grad({flat}, {xr}, {e}, /*retain_graph=*/false,
                                                    /*create_graph=*/false, /*allow_unused=*/true)[0];
      const torch::Tensor block = g.defined() ? g.detach().reshape({copies, in_dim})
                                              : torch::zeros({copies, in_dim}, x.options());
      blocks.push_back(block.to(torch::kFloat64));
    }
    per_image.push_back(torch::cat(blocks, 0));
  }
  return torch::stack(per_image, 0);
}

}  // namespace curvlab
