// Step hook: the metrics CSV files of rank 0 (<run>/metrics_steps.csv, metrics_evals.csv and every
// further table of RunMetrics): rewritten from the restored metrics at start, new rows appended
// at the end of every step (the file is opened at the first step, after a resume). Built in (the trainer adds it). The tables themselves live in
// TrainContext::metrics and go into checkpoints and results.h5.
#pragma once

#include <memory>

#include "engine/hooks/step_hook.h"
#include "engine/metrics.h"

namespace curvlab {

class MetricsHook : public StepHook {
 public:
  std::string name() const override { return "metrics"; }
  void end_of_step(TrainContext& c) override;
  void on_finish(TrainContext& c, bool stopped) override;

 private:
  std::unique_ptr<CsvSink> csv_;
};

}  // namespace curvlab
