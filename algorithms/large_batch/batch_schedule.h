// Batch-size schedules ([train.batch_schedule]) as pure functions of training progress, so a run
// resumes mid-schedule from (step, epoch progress) alone: constant, step increase (Smith et al.
// 2018) and cyclical (Mu et al. 2018) with its cycle boundaries. Formulas: docs/large-batch.md.
// Not for: the lr (lr_schedule.h) or serving batches (engine/data/loader.h).
#pragma once

#include <cstdint>

#include "jobs/job_spec.h"

namespace curvlab {

// Where a run is: `step` optimizer steps done, `epoch` = samples seen / training-set size.
struct Progress {
  std::int64_t step = 0;
  double epoch = 0.0;
};

class BatchSchedule {
 public:
  // `base_batch` is train.batch_size. ConfigError for inconsistent settings (the parser checks them too).
  BatchSchedule(const BatchScheduleSpec& spec, std::int64_t base_batch);

  // The global batch size of the step that starts at `p`.
  std::int64_t batch_at(const Progress& p) const;
  // The schedule's own clock: p.epoch or p.step, per spec.unit.
  double clock(const Progress& p) const;
  // Cyclical: index of the cycle `p` lies in (0-based); other kinds: 0.
  std::int64_t cycle_at(const Progress& p) const;
  // Cyclical: true when a step that started at `before` and ended at `after` completed a cycle.
  bool cycle_ended(const Progress& before, const Progress& after) const;
  bool cyclical() const { return spec_.kind == "cyclical"; }
  // The largest batch the schedule can ask for within `max_clock` (for up-front checks).
  std::int64_t max_batch(double max_clock) const;
  const BatchScheduleSpec& spec() const { return spec_; }

 private:
  std::int64_t round(double b) const;
  BatchScheduleSpec spec_;
  std::int64_t base_;
};

// The number of optimizer steps a run of `epochs` epochs takes on `n` training samples under the
// schedule, following the loader's arithmetic (engine/data/loader.h: an epoch ends when all n
// samples are served; with drop_last a remainder smaller than the next batch is dropped).
std::int64_t plan_steps_for_epochs(const BatchSchedule& schedule, std::int64_t n, bool drop_last, double epochs);

// Epoch progress after `steps` steps from the start (same arithmetic), for planning and tests.
double epochs_after_steps(const BatchSchedule& schedule, std::int64_t n, bool drop_last, std::int64_t steps);

}  // namespace curvlab
