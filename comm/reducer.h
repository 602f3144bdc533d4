// The gradient reducer of data-parallel training: bucketed, overlapped with backward.
// Not for: broadcasting parameters (Communicator::broadcast) or optimizer maths (algorithms/).
//
// Buckets: the parameters that require a gradient are grouped in REVERSE registration order (the
// approximate order in which backward produces their gradients) into flat buffers of one dtype
// and device each: the first bucket holds at most first_bucket_mb MiB (so communication starts
// early), the others bucket_mb MiB (a parameter larger than the cap gets a bucket of its own).
// The layout depends only on the parameter list, so it is identical on every rank (checked
// collectively at construction). The flat buffers are allocated once and reused every step.
//
// One step, on every rank:
//   prepare(w)  w = this rank's samples / global batch samples (0 on a rank without samples)
//   backward    an autograd hook on each parameter copies grad * w into its bucket slot; when a
//               bucket is complete and every lower bucket has been launched, allreduce_async(SUM)
//               of its flat buffer is launched (so launch order is the same on all ranks)
//   finalize()  zero-fills the slots of parameters that received no gradient, launches the
//               remaining buckets, waits for all, and sets param.grad() to the reduced slot
//               (a view of the bucket, or a copy: ReducerOptions::grad_as_bucket_view)
// Gradient accumulation: prepare(w0, M) announces M backward passes (micro-batches) in this step;
// next_micro_batch(wk) goes between them. The hook writes grad * w0, then adds grad * wk, and a
// slot is ready (its bucket may launch) only in the last micro-batch, so communication overlaps
// the last backward. With set_track_sq_norm(true) the hooks also sum |grad|^2 of every incoming
// (per rank, per micro-batch) gradient, before weighting: the small-batch gradient norms of the
// gradient noise scale (algorithms/large_batch/noise_scale.h), read with local_sq_norm().
// The sum over ranks of grad_r * w_r is the gradient of the global-batch mean loss, equal to
// the 1-rank gradient. finalize() replaces .grad() (gradient accumulation across steps is not
// done here); with bucket views, a .grad() kept from one step changes in the next. prepare()
// resets .grad() to undefined in that mode. Outside prepare()/finalize() the hooks do nothing,
// so other autograd uses (Hessian-vector products, evaluation) are unaffected.
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "comm/communicator.h"

namespace curvlab {

struct ReducerOptions {
  double bucket_mb = 25;       // MiB per bucket
  double first_bucket_mb = 1;  // MiB for the first bucket (the last parameters)
  // true: finalize() makes each param.grad() a view of its bucket slot (no copy) and prepare()
  // drops those views, so autograd stores its local gradient in a fresh tensor instead of adding
  // into the bucket (DDP's gradient_as_bucket_view). false: finalize() copies into .grad().
  bool grad_as_bucket_view = true;
};

class GradReducer {
 public:
  // Registers the hooks; collective (checks that every rank has the same parameter layout).
  GradReducer(CommunicatorPtr comm, std::vector<std::pair<std::string, torch::Tensor>> params,
              ReducerOptions opts);
  ~GradReducer();  // removes the hooks
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  // Before backward: this rank's gradients will be multiplied by local_weight; resets readiness.
  // micro_batches > 1: that many backward passes follow, separated by next_micro_batch().
  void prepare(double local_weight, int micro_batches = 1);
  void next_micro_batch(double local_weight);
  void set_track_sq_norm(bool on);
  // Sum over this step's hook calls of |grad|^2 (this rank, every micro-batch); after the last backward.
  double local_sq_norm() const;
  // After backward (or instead of it, on a rank with no samples): see the protocol above.
  void finalize();

  // Parameter names per bucket, bucket 0 first (for inspection and tests).
  std::vector<std::vector<std::string>> bucket_layout() const;
  // Buckets whose allreduce has been launched in the current step (overlap diagnostics).
  int buckets_launched() const;

 private:
  struct Slot {
    std::string name;
    torch::Tensor param;
    size_t bucket = 0;
    int64_t offset = 0;  // in elements of the bucket's flat buffer
    bool ready = false;
    bool written = false;  // the slot holds this step's gradient (from some micro-batch)
    int micro_seen = -1;   // last micro-batch whose gradient arrived
    unsigned hook = 0;
  };
  struct Bucket {
    std::vector<size_t> slots;
    torch::Tensor flat;  // [sum of numel], the bucket's dtype and device
    size_t ready = 0;
    WorkPtr work;
  };

  void on_grad(size_t slot, const torch::Tensor& grad);
  void launch_ready_locked();
  torch::Tensor slot_view(const Slot& s) const;
  void check_same_layout_on_all_ranks();

  CommunicatorPtr comm_;
  ReducerOptions opts_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  mutable std::mutex mutex_;  // hooks may run on autograd worker threads
  bool prepared_ = false;
  size_t next_launch_ = 0;
  torch::Tensor weight_;      // 0-dim double: this micro-batch's local_weight
  double weight_value_ = 1.0;
  int micro_batches_ = 1, micro_ = 0;
  bool track_sq_norm_ = false;
  torch::Tensor sq_norm_;     // 0-dim double on the parameters' device
};

}  // namespace curvlab
