// Cross-entropy classification: loss and metric sums, kept on the device.
#include "engine/tasks/classification.h"

#include <torch/torch.h>

#include "algorithms/scaling/target.h"

namespace curvlab {

std::vector<std::string> ClassificationTask::target_metrics() const { return curvlab::target_metrics(); }

bool ClassificationTask::higher_is_better(const std::string& metric) const { return curvlab::higher_is_better(metric); }

torch::Tensor ClassificationTask::loss(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y,
                                       torch::Tensor& sums) {
  namespace F = torch::nn::functional;
  torch::Tensor logits = model.forward(x);  // [n, classes]
  torch::Tensor loss = F::cross_entropy(logits, y);
  const double n = static_cast<double>(x.size(0));
  torch::NoGradGuard no_grad;
  sums[0] += loss.detach().to(torch::kFloat64) * n;
  sums[1] += logits.detach().argmax(1).eq(y).sum().to(torch::kFloat64);
  return loss;
}

void ClassificationTask::eval_sums(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, torch::Tensor& sums) {
  namespace F = torch::nn::functional;
  torch::Tensor logits = model.forward(x);  // [n, classes]
  sums[0] += F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kSum)).to(torch::kFloat64);
  sums[1] += logits.argmax(1).eq(y).sum().to(torch::kFloat64);
}

}  // namespace curvlab
