// SyncableBatchNorm2d: global-batch statistics by allreduce in forward and backward.
#include "engine/models/batchnorm.h"

#include <torch/torch.h>

#include "comm/communicator.h"
#include "base/error.h"

namespace curvlab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Forward: y = (x - mean) * invstd * weight + bias with the global mean/invstd.
// Backward (global loss L = sum_r w_r * loss_r, w_r = n_r / N): with g = w_r * dy the gradient of
// L, dL/dx = weight * invstd * (g - mean_N(g) - xhat * mean_N(g * xhat)); this rank returns
// (dL/dx) / w_r, because GradReducer multiplies what each rank computes by w_r before summing.
// Weight and bias gradients are the local sums (GradReducer combines them the same way).
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static variable_list forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor weight, torch::Tensor bias,
                               Communicator* comm, torch::Tensor running_mean, torch::Tensor running_var,
                               double momentum, double eps) {
    const auto dims = std::vector<std::int64_t>{0, 2, 3};
    const std::int64_t c = x.size(1);
    auto xd = x.to(torch::kFloat64);
    auto stats = torch::cat({xd.sum(dims), (xd * xd).sum(dims),
                             torch::full({1}, static_cast<double>(x.numel() / c), torch::kFloat64)});
    comm->allreduce({stats}, ReduceOp::kSum);
    const double total = stats[2 * c].item<double>();
    const double local = static_cast<double>(x.numel() / c);
    auto mean = stats.slice(0, 0, c) / total;
    auto var = (stats.slice(0, c, 2 * c) / total - mean * mean).clamp_min(0);  // biased
    auto invstd = (var + eps).rsqrt();
    {
      torch::NoGradGuard no_grad;
      if (running_mean.defined()) {
        running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype()), momentum);
        const double unbias = total > 1 ? total / (total - 1) : 1.0;
        running_var.mul_(1 - momentum).add_((var * unbias).to(running_var.dtype()), momentum);
      }
    }
    auto meanf = mean.to(x.dtype()).view({1, c, 1, 1});
    auto invstdf = invstd.to(x.dtype()).view({1, c, 1, 1});
    auto xhat = (x - meanf) * invstdf;
    auto y = weight.defined() ? xhat * weight.view({1, c, 1, 1}) + bias.view({1, c, 1, 1}) : xhat;
    ctx->save_for_backward({xhat, invstdf, weight});
    ctx->saved_data["comm"] = reinterpret_cast<std::int64_t>(comm);
    ctx->saved_data["local_weight"] = local / total;
    ctx->saved_data["total"] = total;
    return {y};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto xhat = saved[0], invstd = saved[1], weight = saved[2];
    auto* comm = reinterpret_cast<Communicator*>(ctx->saved_data["comm"].toInt());
    const double w_r = ctx->saved_data["local_weight"].toDouble();
    const double total = ctx->saved_data["total"].toDouble();
    auto dy = grads[0];
    const auto dims = std::vector<std::int64_t>{0, 2, 3};
    const std::int64_t c = xhat.size(1);
    auto sum_dy = dy.sum(dims);
    auto sum_dy_xhat = (dy * xhat).sum(dims);
    // Global sums of g = w_r * dy, in float64.
    auto global = torch::cat({sum_dy.to(torch::kFloat64), sum_dy_xhat.to(torch::kFloat64)}) * w_r;
    comm->allreduce({global}, ReduceOp::kSum);
    auto mean_g = (global.slice(0, 0, c) / total).to(dy.dtype()).view({1, c, 1, 1});
    auto mean_gxhat = (global.slice(0, c, 2 * c) / total).to(dy.dtype()).view({1, c, 1, 1});
    auto scale = weight.defined() ? invstd * weight.view({1, c, 1, 1}) : invstd;
    auto dx = scale * (dy - (mean_g + xhat * mean_gxhat) / w_r);
    torch::Tensor dweight, dbias;
    if (weight.defined()) {
      dweight = sum_dy_xhat;
      dbias = sum_dy;
    }
    return {dx, dweight, dbias, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

SyncableBatchNorm2dImpl::SyncableBatchNorm2dImpl(std::int64_t num_features_, double eps_, double momentum_)
    : num_features(num_features_), eps(eps_), momentum(momentum_) {
  reset();
}

void SyncableBatchNorm2dImpl::reset() {
  weight = register_parameter("weight", torch::ones({num_features}));
  bias = register_parameter("bias", torch::zeros({num_features}));
  running_mean = register_buffer("running_mean", torch::zeros({num_features}));
  running_var = register_buffer("running_var", torch::ones({num_features}));
  num_batches_tracked = register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
}

void SyncableBatchNorm2dImpl::pretty_print(std::ostream& stream) const {
  stream << "curvlab::SyncableBatchNorm2d(" << num_features << ", eps=" << eps << ", momentum=" << momentum
         << (sync_comm ? ", synchronized" : "") << ")";
}

torch::Tensor SyncableBatchNorm2dImpl::forward(const torch::Tensor& x) {
  CURVLAB_CHECK(x.dim() == 4, ConfigError, "BatchNorm2d expects [B, C, H, W] input, got " + c10::str(x.sizes()));
  if (is_training()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked.add_(1);
  }
  if (!is_training() || !sync_comm || sync_comm->size() == 1) {
    return torch::batch_norm(x, weight, bias, running_mean, running_var, is_training(), momentum, eps,
                             at::globalContext().userEnabledCuDNN());
  }
  CURVLAB_CHECK(x.size(0) > 0, ConfigError,
                "synchronized batch norm: this rank got no samples in a step; every rank needs at least one "
                "(use train.batch_size >= the number of ranks)");
  return SyncBatchNormFunction::apply(x, weight, bias, sync_comm.get(), running_mean, running_var, momentum, eps)[0];
}

int set_sync_batchnorm(torch::nn::Module& model, std::shared_ptr<Communicator> comm) {
  int n = 0;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (auto* bn = dynamic_cast<SyncableBatchNorm2dImpl*>(m.get())) {
      bn->sync_comm = comm;
      ++n;
    }
  }
  return n;
}

}  // namespace curvlab
