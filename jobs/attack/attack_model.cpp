// JumpReLU kappa copies of a trained model (see attack_model.h).
#include "jobs/attack/attack_model.h"

#include <torch/torch.h>

#include "engine/models/model.h"

namespace curvlab {
Net with_kappa(const Net& trained, const ModelOptions& spec, double kappa,
               const std::vector<std::int64_t>& sample_shape, std::int64_t num_classes) {
  ModelOptions o = spec;
  o.activation = Activation::kJumpRelu;
  o.kappa = kappa;
  Net net = make_model(o, sample_shape, num_classes);
  torch::NoGradGuard no_grad;
  const auto params = trained->named_parameters(), buffers = trained->named_buffers();
  for (auto& p : net->named_parameters()) p.value().copy_(params[p.key()]);
  for (auto& b : net->named_buffers()) b.value().copy_(buffers[b.key()]);
  net->eval();
  return net;
}

}  // namespace curvlab
