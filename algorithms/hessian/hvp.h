// Hessian-vector products of the MEAN cross-entropy loss over a sample set, by double backward,
// distributed over ranks: each rank holds a contiguous share of the samples (uneven shares and
// empty ranks are fine), computes the sum over its share of (1/N_global) * d^2 loss_i * v, and the
// per-rank results are allreduced in buckets so that every rank holds the same Hv.
// Vectors are flat float64 tensors [P] over the parameters in registration order; groups() gives
// the per-layer slices (a layer = the parameters that share a module prefix, "fc1.weight" ->
// "fc1"). Not for: trace or eigenvalue estimation (hutchinson.h, eigen.h, slq.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "comm/communicator.h"
#include "base/net.h"

namespace curvlab {

// One layer's slice of the flat parameter vector.
struct ParamGroup {
  std::string name;                  // module prefix, e.g. "conv1", "layer1.0.bn1"
  std::vector<std::string> params;   // full parameter names
  std::int64_t offset = 0;           // first element in the flat vector
  std::int64_t numel = 0;
};

// Groups the named parameters by module prefix, in order of first appearance.
std::vector<ParamGroup> group_by_layer(const std::vector<std::pair<std::string, torch::Tensor>>& params);

struct HvpOptions {
  std::int64_t chunk_size = 64;   // samples per forward/backward on one rank (hessian.batch_size)
  bool train_mode = false;        // false: eval mode (batch norm on running statistics)
  bool cache_graph = true;        // keep the first-order gradient graph between products
  double bucket_mb = 25;          // allreduce bucket size of the product
};

class HvpOperator {
 public:
  // `inputs`/`targets`: THIS rank's samples ([n_local, ...], [n_local]); `global_samples`: the
  // sum of n_local over ranks (the loss is the mean over all of them). `comm` may be null: then
  // no reduction happens (the caller holds the whole sample set, as in sample-parallel traces).
  // The model's parameters must not change while the operator is used (the cached graph and
  // gradient would be stale).
  HvpOperator(Net model, torch::Tensor inputs, torch::Tensor targets, std::int64_t global_samples,
              CommunicatorPtr comm, HvpOptions options);
  ~HvpOperator();

  std::int64_t dim() const { return dim_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  const std::vector<std::pair<std::string, torch::Tensor>>& params() const { return params_; }

  // H v for v float64 [P]; returns float64 [P], identical on every rank. Collective.
  torch::Tensor apply(const torch::Tensor& v);
  // Gradient of the mean loss, float64 [P] (collective); also sets loss().
  torch::Tensor gradient();
  double loss() const { return loss_; }       // mean loss over the sample set (after gradient())
  std::int64_t hvp_count() const { return hvps_; }
  // Flat parameter values (float64 [P]) and the inverse: per-parameter views of a flat vector.
  torch::Tensor flat_params() const;
  std::vector<torch::Tensor> unflatten(const torch::Tensor& flat) const;

 private:
  std::vector<torch::Tensor> chunk_grads(std::size_t chunk, bool create_graph, double* loss_sum);
  torch::Tensor reduce(torch::Tensor local);  // allreduce(SUM) of a flat vector, in buckets
  void set_mode() const;

  Net model_;
  torch::Tensor inputs_, targets_;
  std::int64_t global_ = 0;
  CommunicatorPtr comm_;
  HvpOptions opts_;
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  std::vector<torch::Tensor> tensors_;        // the parameters, same order
  std::vector<ParamGroup> groups_;
  std::int64_t dim_ = 0;
  torch::ScalarType dtype_ = torch::kFloat32;
  std::vector<std::vector<torch::Tensor>> cached_;  // per chunk: gradients with graph
  std::int64_t hvps_ = 0;
  double loss_ = 0;
};

}  // namespace curvlab
