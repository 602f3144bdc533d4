// BatchNorm2d that can synchronise its batch statistics across ranks (comm.sync_batchnorm).
// Same parameters and buffers (weight, bias, running_mean, running_var, num_batches_tracked) and,
// unsynchronised (the default, as in DDP: each rank normalises with its own slice's
// statistics), the same numerics as torch::nn::BatchNorm2d / PyTorch's nn.BatchNorm2d: the local
// path calls the same torch::batch_norm. (Not a subclass of BatchNorm2dImpl: Debian's libtorch
// does not export that template's pretty_print, which a subclass's vtable needs.)
#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <ostream>

#include <memory>

namespace curvlab {

class Communicator;

class SyncableBatchNorm2dImpl : public torch::nn::Cloneable<SyncableBatchNorm2dImpl> {
 public:
  // PyTorch's defaults: affine, tracking running statistics, eps 1e-5, momentum 0.1.
  explicit SyncableBatchNorm2dImpl(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  // x [B, C, H, W] -> [B, C, H, W]. In training mode with a communicator of size > 1 set, the
  // mean and variance are those of the GLOBAL batch (all ranks' slices, uneven sizes weighted
  // by their counts), and backward returns the input gradient scaled for curvlab's gradient
  // averaging (each rank's loss is the mean over its own samples and GradReducer weights ranks
  // by sample count), so training equals the 1-rank run of the same global batch.
  torch::Tensor forward(const torch::Tensor& x);
  std::shared_ptr<Communicator> sync_comm;

  torch::Tensor weight, bias;                                    // [C]
  torch::Tensor running_mean, running_var, num_batches_tracked;  // [C], [C], int64 []
  std::int64_t num_features;
  double eps, momentum;
};
TORCH_MODULE(SyncableBatchNorm2d);

// Points every SyncableBatchNorm2d in `model` at `comm` (nullptr: local statistics again).
// Returns how many layers were switched. Collectives run inside forward and backward, so every
// rank must run forward/backward on a non-empty slice at every training step.
int set_sync_batchnorm(torch::nn::Module& model, std::shared_ptr<Communicator> comm);

}  // namespace curvlab
