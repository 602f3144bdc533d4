// The step-hook interface: everything that happens around a training step other than the step
// itself (K-FAC preconditioning, the gradient noise scale, snapshot ensembles, curvature tracking,
// metrics files, progress output, checkpoints, and what comes: adversarial training, QAT, ODE weight
// evolution) is one StepHook in its own file. The loop (engine/trainer.cpp) calls every hook at each
// point below, in the order they were added; a hook's state goes into checkpoints through
// save_state/load_state. Adding a per-step behaviour is a new hook, not a change of the loop.
//
// One step:  before_step -> per micro-batch: before_forward [forward/backward] after_backward -> [gradient
//            reduction] before_update -> [optimizer step] after_step -> [evaluation when due]
//            at_evaluation -> end_of_step (checkpoint when due, metrics files).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/state_io.h"

namespace curvlab {

struct TrainContext;  // engine/train_context.h: what the loop holds (model, comm, metrics, ...)

// One micro-batch of a step on this rank.
struct MicroBatch {
  torch::Tensor inputs, targets;  // this rank's part ([n, ...]; n may be 0)
  std::int64_t local_size = 0;    // n
  std::int64_t global_size = 0;   // samples of the whole global batch
  std::int64_t global_offset = 0; // position of inputs[0] in the global batch
  int index = 0;                  // 0 .. count-1
  int count = 1;
  bool last() const { return index + 1 == count; }
};

class StepHook {
 public:
  virtual ~StepHook() = default;
  // Short name for messages ("kfac", "noise_scale").
  virtual std::string name() const = 0;

  // Once, after the model, optimizer and loader are built and a checkpoint (if any) was restored.
  virtual void on_start(TrainContext& ctx) {}
  // The backward passes per step and rank this hook needs at least (e.g. the noise scale on one
  // rank needs two gradients); the loop uses the largest request.
  virtual int min_micro_batches(const TrainContext& ctx) const { return 1; }
  // Columns this hook adds to the step table (filled through TrainContext::record); NaN when unset.
  virtual std::vector<std::string> step_columns() const { return {}; }

  virtual void before_step(TrainContext& ctx) {}
  // May replace mb.inputs (same shape; adversarial training) before the forward pass.
  virtual void before_forward(TrainContext& ctx, MicroBatch& mb) {}
  virtual void after_backward(TrainContext& ctx, const MicroBatch& mb) {}
  // Gradients are the global-batch mean; may change them (K-FAC) or measure them (noise scale).
  virtual void before_update(TrainContext& ctx) {}
  virtual void after_step(TrainContext& ctx) {}
  // After the loop's evaluation row was appended (collective: every rank calls it).
  virtual void at_evaluation(TrainContext& ctx) {}
  // Last in a step, after any evaluation: checkpoints and metrics files are written here.
  virtual void end_of_step(TrainContext& ctx) {}
  // Collective, on every rank, before rank 0 writes a checkpoint (e.g. gather distributed state).
  virtual void before_checkpoint(TrainContext& ctx) {}
  // State to checkpoint (rank 0 writes) and to restore (every rank reads). Paths are the hook's own.
  virtual void save_state(const TrainContext& ctx, StateWriter& out) const {}
  virtual void load_state(TrainContext& ctx, const StateReader& in) {}
  // Results-file entries of this hook (summary/...), rank 0.
  virtual void save_results(const TrainContext& ctx, StateWriter& out) const {}
  // After the last step; `stopped`: the run stops early on a stop request (a checkpoint follows).
  virtual void on_finish(TrainContext& ctx, bool stopped) {}
};

}  // namespace curvlab
