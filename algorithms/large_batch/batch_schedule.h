// Batch-size schedules ([train.batch_schedule]) as pure functions of training progress, so a run
// resumes mid-schedule from (step, epoch progress) alone: constant, step increase (Smith et al.
// 2018) and cyclical (Mu et al. 2018) with its cycle boundaries. Formulas: docs/large-batch.md.
// Not for: the lr (lr_schedule.h) or serving batches (engine/data/loader.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class BatchScheduleKind { kConstant, kStep, kCyclical };
const EnumNames<BatchScheduleKind>& batch_schedule_names();  // "constant", "step", "cyclical"
enum class ScheduleUnit { kEpochs, kSteps };
const EnumNames<ScheduleUnit>& schedule_unit_names();        // "epochs", "steps"
enum class CycleShape { kSawtooth, kTriangular, kCosine, kSquare };
const EnumNames<CycleShape>& cycle_shape_names();            // "sawtooth", "triangular", "cosine", "square"

// [train.batch_schedule]: the global batch size as a function of training progress (docs/large-batch.md).
struct BatchScheduleOptions {
  BatchScheduleKind kind = BatchScheduleKind::kConstant;
  ScheduleUnit unit = ScheduleUnit::kEpochs;  // what milestones and cycle_length count
  std::vector<double> milestones;          // step: progress at which the batch is multiplied by gamma
  double gamma = 2.0;                      // step: batch multiplier at each milestone
  std::int64_t min_batch_size = 0;         // cyclical: smallest batch (0 = the base batch)
  std::int64_t max_batch_size = 0;         // cyclical: largest batch; step: cap (0 = no cap)
  double cycle_length = 1.0;               // cyclical: length of one cycle in `unit`
  CycleShape shape = CycleShape::kSawtooth;
  std::int64_t multiple_of = 1;            // batch sizes are rounded to a multiple of this
  bool couple_lr = false;                  // lr follows the batch via the lr scaling rule
  bool snapshots = true;                   // cyclical: save the model at the end of every cycle
  bool ensemble = true;                    // cyclical: evaluate the snapshot ensemble at every cycle end
};

// A broken rule of a batch schedule: the key (relative to [train], e.g. "batch_schedule.max_batch_size")
// and what to change. The ONE place the schedule's rules live; the job parser points the message at
// the key, BatchSchedule throws it as a ConfigError.
struct BatchRuleViolation {
  std::string key;
  std::string message;
};
// The first broken rule for a schedule around `base_batch` (train.batch_size), or an empty key.
BatchRuleViolation check_batch_schedule(const BatchScheduleOptions& options, std::int64_t base_batch);

// Where a run is: `step` optimizer steps done, `epoch` = samples seen / training-set size.
struct Progress {
  std::int64_t step = 0;
  double epoch = 0.0;
};

class BatchSchedule {
 public:
  // `base_batch` is train.batch_size. ConfigError for settings check_batch_schedule rejects.
  BatchSchedule(const BatchScheduleOptions& spec, std::int64_t base_batch);

  // The global batch size of the step that starts at `p`.
  std::int64_t batch_at(const Progress& p) const;
  // The schedule's own clock: p.epoch or p.step, per spec.unit.
  double clock(const Progress& p) const;
  // Cyclical: index of the cycle `p` lies in (0-based); other kinds: 0.
  std::int64_t cycle_at(const Progress& p) const;
  // Cyclical: true when a step that started at `before` and ended at `after` completed a cycle.
  bool cycle_ended(const Progress& before, const Progress& after) const;
  bool cyclical() const { return spec_.kind == BatchScheduleKind::kCyclical; }
  // The largest batch the schedule can ask for within `max_clock` (for up-front checks).
  std::int64_t max_batch(double max_clock) const;
  const BatchScheduleOptions& spec() const { return spec_; }

 private:
  std::int64_t round(double b) const;
  BatchScheduleOptions spec_;
  std::int64_t base_;
};

// The number of optimizer steps a run of `epochs` epochs takes on `n` training samples under the
// schedule, following the loader's arithmetic (engine/data/loader.h: an epoch ends when all n
// samples are served; with drop_last a remainder smaller than the next batch is dropped).
std::int64_t plan_steps_for_epochs(const BatchSchedule& schedule, std::int64_t n, bool drop_last, double epochs);

// Epoch progress after `steps` steps from the start (same arithmetic), for planning and tests.
double epochs_after_steps(const BatchSchedule& schedule, std::int64_t n, bool drop_last, std::int64_t steps);

}  // namespace curvlab
