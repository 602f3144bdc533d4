// The K-FAC preconditioner of a training step (train.optimizer = "kfac"): factor statistics from
// the capturing layers, running averages over the GLOBAL batch, decompositions split across ranks,
// preconditioned gradients written back into .grad(), KL clip. The SGD step that follows (momentum,
// weight decay) is the plain optimizer's. Formulas and conventions: docs/kfac.md.
// Not for: the gradient allreduce (comm/reducer.h) or the parameter update (algorithms/optim).
//
// One step, on every rank (the trainer calls these in this order):
//   begin_step(epoch)      capture on in the K-FAC layers iff steps % factor_update_freq == 0;
//                          damping from the schedule
//   forward / backward     layers record input and output gradient (algorithms/kfac/capture_layers.h)
//   after_backward(n, N)   local sums a^T a and (w g)^T (w g), w = n / N, and their row counts are
//                          packed into fusion buffers (kfac.bucket_mb) and allreduce_async(SUM) is
//                          launched, behind the gradient buckets already in flight
//   reducer.finalize()     gradients are the global-batch mean
//   precondition(lr)       wait for the factor sums; A = sum / rows, G = sum / rows (global rows, so
//                          rank count and batch size do not change them); running averages;
//                          every inv_update_freq steps the owners decompose their blocks and
//                          broadcast them when other grad workers need them; grad workers
//                          precondition; when g < N the owner broadcasts the preconditioned
//                          gradient; every rank computes the same KL-clip factor and writes .grad().
// Broadcasts are world collectives (the Communicator has no sub-groups): in hybrid settings the
// ranks outside a block's grad workers receive its decomposition and drop it.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "algorithms/kfac/kfac_assignment.h"
#include "algorithms/kfac/kfac_layer.h"
#include "algorithms/kfac/kfac_math.h"
#include "comm/communicator.h"
#include "base/state_io.h"

namespace curvlab {

class KfacPreconditioner : public Stateful {
 public:
  // `model` must outlive the preconditioner. ConfigError when no layer is left to precondition.
  KfacPreconditioner(const KfacOptions& spec, torch::nn::Module& model, CommunicatorPtr comm);
  ~KfacPreconditioner() override;

  void begin_step(double epoch);
  // With gradient accumulation, call it after every micro-batch's backward (local_size = that
  // micro-batch's samples on this rank); the sums add up and are launched after the last one.
  void after_backward(std::int64_t local_size, std::int64_t global_size, bool last_micro_batch = true);
  void precondition(double lr);
  // Collective: gives every rank every decomposition for save_state (only rank 0 writes).
  void gather_for_checkpoint();

  // Paths under `prefix`: steps, method, layers/<layer>/block<j>/{A, G, qa, da, qg, dg | a_inv, g_inv}.
  void save_state(StateWriter& out, const std::string& prefix) const override;
  void load_state(const StateReader& in, const std::string& prefix) override;

  // Inspection (tests, benchmarks).
  struct Block {
    std::size_t layer = 0;
    std::int64_t index = 0;        // group within the layer
    std::string path;              // "<layer>/block<j>"
    torch::Tensor a, g;            // running factors [a_dim, a_dim], [g_dim, g_dim]
    Decomposition dec;             // held where this rank is a grad worker
    Decomposition saved;           // filled by gather_for_checkpoint
  };
  const std::vector<KfacLayer>& layers() const { return layers_; }
  const std::vector<Block>& blocks() const { return blocks_; }
  const KfacAssignment& assignment() const { return assignment_; }
  std::int64_t steps() const { return steps_; }
  double damping() const { return damping_; }
  double last_nu() const { return nu_; }           // KL-clip factor of the last step
  double last_inverse_seconds() const { return inverse_seconds_; }  // decompose + share, last inv step
  bool capturing() const { return capturing_; }

 private:
  void finish_factor_update();
  void update_decompositions();
  void share(std::vector<std::vector<torch::Tensor>>& per_block, const std::vector<bool>& have);
  void set_capture(bool on);

  KfacOptions spec_;
  KfacMethod method_;
  torch::ScalarType factor_dtype_, inv_dtype_;
  CommunicatorPtr comm_;
  std::vector<KfacLayer> layers_;
  std::vector<Block> blocks_;
  KfacAssignment assignment_;
  std::int64_t steps_ = 0;
  double damping_ = 0;
  double nu_ = 1;
  double inverse_seconds_ = 0;
  bool capturing_ = false;

  struct Pending;                    // factor sums in flight
  // Several ranks: packs the factor sums into fusion buffers of at most kfac.bucket_mb and starts
  // one asynchronous allreduce of them and of the row counts (waited for in finish_factor_update).
  void fuse_and_allreduce(Pending& p);
  std::unique_ptr<Pending> pending_;
  std::unique_ptr<Pending> accum_;   // sums of the micro-batches of the current step
};

}  // namespace curvlab
