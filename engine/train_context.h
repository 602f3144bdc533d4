// What the training loop holds and shows its step hooks: the model and its parameters, optimizer,
// reducer, loader, task, schedules, metrics, the run's position, and helpers (wall time, epoch
// progress, step-row values, messages). Built by engine/trainer.cpp; read and changed by hooks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/large_batch/batch_schedule.h"
#include "algorithms/optim/optimizer.h"
#include "base/net.h"
#include "base/run_dir.h"
#include "comm/communicator.h"
#include "comm/reducer.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/hooks/step_hook.h"
#include "engine/metrics.h"
#include "engine/progress.h"
#include "engine/task.h"
#include "engine/trainer_options.h"

namespace curvlab {

struct TrainContext {
  TrainContext(TrainerOptions o, CommunicatorPtr c) : options(std::move(o)), comm(std::move(c)), paths(options.output_dir) {}

  TrainerOptions options;
  CommunicatorPtr comm;
  RunPaths paths;
  DataSplits data;
  Net model;
  NamedParams params;
  std::string model_spec;                 // model_spec_string(): attribute of checkpoints and snapshots
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<GradReducer> reducer;
  std::unique_ptr<Loader> loader;
  TaskPtr task;
  std::unique_ptr<BatchSchedule> schedule;
  RunMetrics metrics;
  std::unique_ptr<ProgressReporter> progress;
  std::vector<std::unique_ptr<StepHook>> hooks;

  // The run's position.
  std::int64_t step = 0;                  // optimizer steps done
  std::int64_t planned_steps = 0;
  double planned_epochs = 0;
  bool epoch_done = false;                // the last batch ended an epoch (matters with drop_last)
  double loss_since_eval = 0;             // sum of step losses since the last evaluation
  std::int64_t steps_since_eval = 0;
  double wall_offset = 0;                 // wall time of earlier segments of a resumed run
  std::chrono::steady_clock::time_point start;
  std::string last_checkpoint;

  // The current step (valid from before_step to the end of the step).
  Progress at_start;                      // where the step started
  std::int64_t batch_size = 0;            // its global batch size, as the schedule asked
  std::int64_t global_size = 0;           // samples the loader served for it (smaller at an epoch's end)
  double lr = 0;
  bool epoch_end = false;                 // the step's batch ended an epoch
  bool last_step = false;                 // the loop ends after this step (planned end or target)
  bool evaluated = false;                 // an evaluation ran in this step
  std::map<std::string, double> step_values;  // hook columns of this step's row (record())
  // Reads the step metrics still on the device into the step table (collective); set by the loop.
  std::function<void()> flush_metrics;

  bool is_root() const { return comm->rank() == 0; }
  double wall() const {
    return wall_offset + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  // Samples seen / training-set size; a batch that ends an epoch (drop_last too) completes it.
  double epoch_progress() const {
    if (epoch_done) return static_cast<double>(loader->epoch() + 1);
    return static_cast<double>(loader->epoch()) +
           static_cast<double>(loader->position()) / static_cast<double>(data.train.size());
  }
  Progress progress_now() const { return {step, epoch_progress()}; }
  // A hook's value for this step's row (a column it declared in step_columns()).
  void record(const std::string& column, double value) { step_values[column] = value; }
  // A line on rank 0's progress output.
  void message(const std::string& line) const {
    if (progress) progress->message(line);
  }
  // Root attributes of the files a run writes (kind: checkpoint | results | snapshot).
  std::map<std::string, std::string> file_attributes(const std::string& kind) const;
};

}  // namespace curvlab
