// The training step loop: one step = loader.next(batch) -> task forward/backward per micro-batch ->
// gradient reduction (comm) -> step hooks -> optimizer step -> hooks (evaluation, checkpoint, ...).
// Everything else a run does is a step hook (engine/hooks/). Not for: choosing backends, parsing
// jobs or printing where results went (the train job kind, jobs/train/).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/run_dir.h"
#include "comm/communicator.h"
#include "engine/hooks/step_hook.h"
#include "engine/trainer_options.h"

namespace curvlab {

struct TrainContext;

struct TrainResult {
  std::int64_t steps = 0;
  double epochs = 0;              // fractional epochs trained
  double test_loss = 0;
  double test_accuracy = 0;
  double train_loss = 0;          // mean step loss since the previous evaluation
  double wall_time = 0;           // seconds in this process
  std::string results_path;
  std::string last_checkpoint;
  bool resumed = false;
  bool stopped = false;           // stopped early on TrainerCallbacks::stop_requested (checkpoint written)
  std::int64_t resumed_from_step = 0;
  std::int64_t target_step = -1;  // first evaluation step meeting the target; -1: not reached / none
  double ensemble_accuracy = 0;   // cyclical schedules: the snapshot ensemble's test accuracy
  std::int64_t ensemble_size = 0;
};

struct TrainerCallbacks {
  // Polled at every step boundary on every rank; when it returns true on any rank, all ranks
  // checkpoint at the same step and run() returns early (TrainResult.steps < planned).
  std::function<bool()> stop_requested;
  // Rank 0, once per step (after the optimizer step): for tests that stop a run mid-way.
  std::function<void(std::int64_t step)> after_step;
};

// A factory of a step hook: called once the model exists (K-FAC needs its layers).
using HookFactory = std::function<std::unique_ptr<StepHook>(TrainContext&)>;

class Trainer {
 public:
  Trainer(TrainerOptions options, CommunicatorPtr comm, RunMode mode, TrainerCallbacks callbacks = {});
  ~Trainer();
  // Hooks run in the order they are added, after the built-in ones (metrics files, progress,
  // checkpoints) for the points where order matters (see trainer.cpp).
  void add_hook(HookFactory factory);
  TrainResult run();

 private:
  std::unique_ptr<TrainContext> ctx_;
  RunMode mode_;
  TrainerCallbacks callbacks_;
  std::vector<HookFactory> factories_;
};

}  // namespace curvlab
