// Progress output of the training loop (see progress_hook.h).
#include "engine/hooks/progress_hook.h"

#include <cmath>

#include <cstdio>

#include "engine/train_context.h"

namespace curvlab {

void ProgressHook::after_step(TrainContext& c) {
  const MetricTable& s = c.metrics.steps;
  if (!c.progress || s.rows() == 0) return;
  const auto last = [&](std::size_t col) { return s.column(s.columns()[col]).back(); };
  // step, epoch, <task: loss, second metric>, lr, batch_size, samples_per_s
  const std::size_t task = c.task->step_columns().size();
  const double second = task > 1 ? last(3) : std::nan("");
  c.progress->update(static_cast<std::int64_t>(last(0)), last(1), last(2), second, last(2 + task),
                     last(4 + task));
}

void ProgressHook::at_evaluation(TrainContext& c) {
  const MetricTable& e = c.metrics.evals;
  std::string line = "eval step " + std::to_string(c.step);
  char buf[64];
  std::snprintf(buf, sizeof buf, " epoch %.2f:", c.epoch_progress());
  line += buf;
  for (std::size_t i = 2; i + 1 < e.columns().size(); ++i) {
    const double v = e.column(e.columns()[i]).back();  // small values (regression losses) in scientific notation
    std::snprintf(buf, sizeof buf, v != 0 && std::fabs(v) < 1e-2 ? " %s %.3e" : " %s %.4f", e.columns()[i].c_str(), v);
    line += buf;
  }
  c.message(line);
}

void ProgressHook::on_finish(TrainContext& c, bool stopped) {
  if (c.progress) c.progress->finish();
}

}  // namespace curvlab
