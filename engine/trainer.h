// The training step loop: one step = loader.next(batch) -> forward/backward -> gradient
// reduction (comm) -> optimizer step -> hooks (metrics, evaluation, checkpoint, progress).
// Not for: choosing backends, parsing jobs or printing where results went (jobs/runners).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "comm/communicator.h"
#include "engine/run_dir.h"
#include "jobs/job_spec.h"

namespace curvlab {

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
  bool stopped = false;           // stopped early on TrainerHooks::stop_requested (checkpoint written)
  std::int64_t resumed_from_step = 0;
  std::int64_t target_step = -1;  // first evaluation step meeting train.target_*; -1: not reached / none
  double ensemble_accuracy = 0;   // cyclical schedules: the snapshot ensemble's test accuracy
  std::int64_t ensemble_size = 0;
};

struct TrainerHooks {
  // Polled at every step boundary on every rank; when it returns true on any rank, all ranks
  // checkpoint at the same step and run() returns early (TrainResult.steps < planned).
  std::function<bool()> stop_requested;
  // Rank 0, once per step (after the optimizer step): for tests that stop a run mid-way.
  std::function<void(std::int64_t step)> after_step;
};

class Trainer {
 public:
  Trainer(const JobSpec& spec, CommunicatorPtr comm, RunMode mode, TrainerHooks hooks = {});
  ~Trainer();
  TrainResult run();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace curvlab
