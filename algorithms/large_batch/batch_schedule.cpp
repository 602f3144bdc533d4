// Implementation of the batch-size schedules and of the step planning that mirrors the loader.
#include "algorithms/large_batch/batch_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "algorithms/schedules/milestones.h"
#include "base/error.h"

namespace curvlab {

const EnumNames<BatchScheduleKind>& batch_schedule_names() {
  static const EnumNames<BatchScheduleKind> names = {
      {BatchScheduleKind::kConstant, "constant"}, {BatchScheduleKind::kStep, "step"},
      {BatchScheduleKind::kCyclical, "cyclical"}};
  return names;
}
const EnumNames<ScheduleUnit>& schedule_unit_names() {
  static const EnumNames<ScheduleUnit> names = {{ScheduleUnit::kEpochs, "epochs"}, {ScheduleUnit::kSteps, "steps"}};
  return names;
}
const EnumNames<CycleShape>& cycle_shape_names() {
  static const EnumNames<CycleShape> names = {{CycleShape::kSawtooth, "sawtooth"}, {CycleShape::kTriangular, "triangular"},
                                              {CycleShape::kCosine, "cosine"}, {CycleShape::kSquare, "square"}};
  return names;
}

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

BatchRuleViolation check_batch_schedule(const BatchScheduleOptions& b, std::int64_t base_batch) {
  if (base_batch < 1) return {"batch_size", "train.batch_size must be >= 1"};
  if (b.kind == BatchScheduleKind::kStep && b.milestones.empty()) {
    return {"batch_schedule.kind",
            "train.batch_schedule.kind = \"step\" needs train.batch_schedule.milestones, the progress "
            "(in batch_schedule.unit) at which the batch is multiplied by gamma, e.g. milestones = [2, 4]"};
  }
  for (std::size_t i = 1; i < b.milestones.size(); ++i) {
    if (!(b.milestones[i] > b.milestones[i - 1])) {
      return {"batch_schedule.milestones", "train.batch_schedule.milestones must be strictly increasing (got " +
                                               number(b.milestones[i - 1]) + " then " + number(b.milestones[i]) + ")"};
    }
  }
  if (b.kind == BatchScheduleKind::kCyclical) {
    const std::int64_t lo = b.min_batch_size > 0 ? b.min_batch_size : base_batch;
    if (b.max_batch_size == 0) {
      return {"batch_schedule.kind",
              "train.batch_schedule.kind = \"cyclical\" needs train.batch_schedule.max_batch_size, the "
              "largest batch of a cycle (the smallest is min_batch_size, default train.batch_size)"};
    }
    if (b.max_batch_size < lo) {
      return {"batch_schedule.max_batch_size",
              "train.batch_schedule.max_batch_size (" + std::to_string(b.max_batch_size) +
                  ") must be >= the smallest batch of a cycle (" + std::to_string(lo) +
                  ", min_batch_size or train.batch_size)"};
    }
    if (!(b.cycle_length > 0)) return {"batch_schedule.cycle_length", "train.batch_schedule.cycle_length must be > 0"};
    if (b.ensemble && !b.snapshots) {
      return {"batch_schedule.ensemble",
              "train.batch_schedule.ensemble = true evaluates the saved snapshots (a resumed run reloads "
              "them): set train.batch_schedule.snapshots = true, or ensemble = false"};
    }
  }
  return {};
}

BatchSchedule::BatchSchedule(const BatchScheduleOptions& spec, std::int64_t base_batch) : spec_(spec), base_(base_batch) {
  const BatchRuleViolation v = check_batch_schedule(spec, base_batch);
  CURVLAB_CHECK(v.key.empty(), ConfigError, "train." + v.key + ": " + v.message);
}

std::int64_t BatchSchedule::round(double b) const {
  const double m = static_cast<double>(spec_.multiple_of);
  return std::max<std::int64_t>(spec_.multiple_of, static_cast<std::int64_t>(std::llround(b / m)) * spec_.multiple_of);
}

double BatchSchedule::clock(const Progress& p) const {
  return spec_.unit == ScheduleUnit::kSteps ? static_cast<double>(p.step) : p.epoch;
}

std::int64_t BatchSchedule::cycle_at(const Progress& p) const {
  if (!cyclical()) return 0;
  // A small tolerance so that float epoch progress landing exactly on a boundary counts as there.
  return static_cast<std::int64_t>(std::floor(clock(p) / spec_.cycle_length + 1e-9));
}

bool BatchSchedule::cycle_ended(const Progress& before, const Progress& after) const {
  return cyclical() && cycle_at(after) > cycle_at(before);
}

std::int64_t BatchSchedule::batch_at(const Progress& p) const {
  const double c = clock(p);
  if (spec_.kind == BatchScheduleKind::kConstant) return base_;
  if (spec_.kind == BatchScheduleKind::kStep) {
    double b = apply_milestones(static_cast<double>(base_), spec_.gamma, spec_.milestones, c);
    if (spec_.max_batch_size > 0) b = std::min(b, static_cast<double>(spec_.max_batch_size));
    return round(b);
  }
  // cyclical: phase t in [0, 1) within the current cycle
  const double lo = static_cast<double>(spec_.min_batch_size > 0 ? spec_.min_batch_size : base_);
  const double hi = static_cast<double>(spec_.max_batch_size);
  const double cycles = c / spec_.cycle_length + 1e-9;
  const double t = std::clamp(cycles - std::floor(cycles), 0.0, 1.0);
  double f = 0;
  switch (spec_.shape) {
    case CycleShape::kSawtooth: f = t; break;
    case CycleShape::kTriangular: f = 1.0 - std::fabs(2.0 * t - 1.0); break;
    case CycleShape::kCosine: f = 0.5 * (1.0 - std::cos(M_PI * t)); break;
    case CycleShape::kSquare: f = t < 0.5 ? 0.0 : 1.0; break;
  }
  return round(lo + f * (hi - lo));
}

std::int64_t BatchSchedule::max_batch(double max_clock) const {
  if (spec_.kind == BatchScheduleKind::kConstant) return base_;
  if (spec_.kind == BatchScheduleKind::kCyclical) return round(static_cast<double>(spec_.max_batch_size));
  Progress p;
  if (spec_.unit == ScheduleUnit::kSteps) {
    p.step = static_cast<std::int64_t>(max_clock);
  } else {
    p.epoch = max_clock;
  }
  return std::max(base_, batch_at(p));
}

namespace {
// Advances (epoch, position, step) by one step of the loader's arithmetic.
struct Sim {
  std::int64_t n = 0, epoch = 0, position = 0, step = 0;
  bool drop_last = false, epoch_done = false;
  double progress() const {
    return epoch_done ? static_cast<double>(epoch + 1)
                      : static_cast<double>(epoch) + static_cast<double>(position) / static_cast<double>(n);
  }
  void advance(std::int64_t b) {
    if (position >= n || (drop_last && n - position < b)) {
      ++epoch;
      position = 0;
    }
    position += std::min(b, n - position);
    ++step;
    epoch_done = position == n || (drop_last && n - position < b);
  }
};
}  // namespace

std::int64_t plan_steps_for_epochs(const BatchSchedule& schedule, std::int64_t n, bool drop_last, double epochs) {
  Sim s;
  s.n = n;
  s.drop_last = drop_last;
  while (s.progress() < epochs - 1e-12) {
    const std::int64_t b = schedule.batch_at({s.step, s.progress()});
    CURVLAB_CHECK(!drop_last || b <= n, ConfigError,
                  "the batch schedule asks for a batch of " + std::to_string(b) + " with drop_last on, but the "
                  "training set has only " + std::to_string(n) + " samples; lower the batch sizes");
    s.advance(b);
  }
  return s.step;
}

double epochs_after_steps(const BatchSchedule& schedule, std::int64_t n, bool drop_last, std::int64_t steps) {
  Sim s;
  s.n = n;
  s.drop_last = drop_last;
  while (s.step < steps) s.advance(schedule.batch_at({s.step, s.progress()}));
  return s.progress();
}

}  // namespace curvlab
