// Implementation of the batch-size schedules and of the step planning that mirrors the loader.
#include "algorithms/large_batch/batch_schedule.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace curvlab {

BatchSchedule::BatchSchedule(const BatchScheduleSpec& spec, std::int64_t base_batch) : spec_(spec), base_(base_batch) {
  CURVLAB_CHECK(base_batch >= 1, ConfigError, "batch schedule: train.batch_size must be >= 1");
  CURVLAB_CHECK(spec.kind == "constant" || spec.kind == "step" || spec.kind == "cyclical", ConfigError,
                "unknown train.batch_schedule.kind '" + spec.kind + "' (allowed: constant, step, cyclical)");
  if (spec.kind == "cyclical") {
    const std::int64_t lo = spec.min_batch_size > 0 ? spec.min_batch_size : base_batch;
    CURVLAB_CHECK(spec.max_batch_size >= lo && spec.cycle_length > 0, ConfigError,
                  "train.batch_schedule: a cyclical schedule needs max_batch_size >= min_batch_size and "
                  "cycle_length > 0");
  }
}

std::int64_t BatchSchedule::round(double b) const {
  const double m = static_cast<double>(spec_.multiple_of);
  return std::max<std::int64_t>(spec_.multiple_of, static_cast<std::int64_t>(std::llround(b / m)) * spec_.multiple_of);
}

double BatchSchedule::clock(const Progress& p) const {
  return spec_.unit == "steps" ? static_cast<double>(p.step) : p.epoch;
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
  if (spec_.kind == "constant") return base_;
  if (spec_.kind == "step") {
    double b = static_cast<double>(base_);
    for (double m : spec_.milestones) {
      if (c + 1e-9 >= m) b *= spec_.gamma;
    }
    if (spec_.max_batch_size > 0) b = std::min(b, static_cast<double>(spec_.max_batch_size));
    return round(b);
  }
  // cyclical: phase t in [0, 1) within the current cycle
  const double lo = static_cast<double>(spec_.min_batch_size > 0 ? spec_.min_batch_size : base_);
  const double hi = static_cast<double>(spec_.max_batch_size);
  const double cycles = c / spec_.cycle_length + 1e-9;
  const double t = std::clamp(cycles - std::floor(cycles), 0.0, 1.0);
  double f = 0;
  if (spec_.shape == "sawtooth") {
    f = t;
  } else if (spec_.shape == "triangular") {
    f = 1.0 - std::fabs(2.0 * t - 1.0);
  } else if (spec_.shape == "cosine") {
    f = 0.5 * (1.0 - std::cos(M_PI * t));
  } else if (spec_.shape == "square") {
    f = t < 0.5 ? 0.0 : 1.0;
  } else {
    CURVLAB_THROW(ConfigError, "unknown train.batch_schedule.shape '" + spec_.shape +
                                   "' (allowed: sawtooth, triangular, cosine, square)");
  }
  return round(lo + f * (hi - lo));
}

std::int64_t BatchSchedule::max_batch(double max_clock) const {
  if (spec_.kind == "constant") return base_;
  if (spec_.kind == "cyclical") return round(static_cast<double>(spec_.max_batch_size));
  Progress p;
  if (spec_.unit == "steps") {
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
