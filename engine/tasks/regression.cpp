// Mean-squared-error regression: loss and metric sums, kept on the device.
#include "engine/tasks/regression.h"

#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {
namespace {
void check_shapes(const torch::Tensor& out, const torch::Tensor& y) {
  CURVLAB_CHECK(out.sizes() == y.sizes(), ConfigError,
                "regression: the model's outputs " + c10::str(out.sizes()) + " do not match the targets " +
                    c10::str(y.sizes()) + "; the model's output size must equal the data set's target size");
}
}  // namespace

torch::Tensor RegressionTask::loss(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) {
  torch::Tensor out = model.forward(x);  // [n, d]
  check_shapes(out, y);
  torch::Tensor loss = torch::mse_loss(out, y);  // mean over n x d, as nn.MSELoss()
  torch::NoGradGuard no_grad;
  sums[0] += loss.detach().to(torch::kFloat64) * static_cast<double>(x.size(0));
  return loss;
}

void RegressionTask::eval_sums(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) {
  const torch::Tensor out = model.forward(x).to(torch::kFloat64).flatten(1);  // [n, d]
  const torch::Tensor t = y.to(torch::kFloat64).flatten(1);
  check_shapes(out, t);
  const torch::Tensor diff = out - t;
  sums[0] += diff.square().mean(1).sum();                   // per-sample MSE, summed
  sums[1] += (diff.norm(2, {1}) / t.norm(2, {1})).sum();    // per-sample relative error, summed
}

}  // namespace curvlab
