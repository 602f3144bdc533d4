// Options of a training run, as the trainer takes them: data, model, optimizer, lr and batch
// schedules, communication, evaluation/checkpoint cadence, target. Filled by jobs/ (the train job
// kind translates [job], [data], [model], [train], [comm]); nothing here knows the job file.
#pragma once

#include <cstdint>
#include <string>

#include "algorithms/large_batch/batch_schedule.h"
#include "algorithms/optim/optimizer_options.h"
#include "algorithms/schedules/lr_schedule.h"
#include "comm/comm_options.h"
#include "engine/data/data_options.h"
#include "engine/models/model_options.h"

namespace curvlab {

struct TrainerOptions {
  std::string output_dir;
  std::uint64_t seed = 0;
  std::string job_text;                     // recorded in checkpoints and results (attribute job_text)
  std::string job_file;                     // attribute job_file
  DataOptions data;
  ModelOptions model;
  std::string task = "classification";      // engine/task.h
  OptimizerOptions optimizer;
  LrPlan lr;                                // lr.base_batch = batch_size
  BatchScheduleOptions batch_schedule;
  CommOptions comm;
  std::int64_t epochs = 2;                  // used when steps == 0
  std::int64_t steps = 0;
  std::int64_t batch_size = 128;            // GLOBAL batch size
  bool drop_last = false;
  std::int64_t micro_batches = 1;           // backward passes per step and rank
  std::int64_t eval_every_steps = 0;        // 0 = at the end of every epoch (or eval_every_epochs)
  double eval_every_epochs = 0.0;
  std::int64_t checkpoint_every_steps = 0;  // 0 = at the end of every epoch
  std::int64_t keep_last = 3;
  double log_every_seconds = 10.0;
  std::int64_t metrics_every_steps = 1;     // step metrics read from the device every N steps
  std::string target_metric;                // "" or one of the task's target_metrics()
  double target_value = 0.0;
  bool stop_at_target = false;
};

}  // namespace curvlab
