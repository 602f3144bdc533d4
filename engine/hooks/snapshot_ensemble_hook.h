// Step hook: snapshot ensembles of a cyclical batch-size schedule (train.batch_schedule.snapshots /
// ensemble): at every cycle end the model is saved to <run>/snapshots/ and, with ensemble, the
// ensemble of the snapshots so far is evaluated into the "snapshot" metrics table; results.h5 gets
// summary/ensemble_*. A resumed run rebuilds the ensemble from the snapshot files.
#pragma once

#include <memory>

#include "engine/hooks/snapshot_ensemble.h"
#include "engine/hooks/step_hook.h"

namespace curvlab {

class SnapshotEnsembleHook : public StepHook {
 public:
  // `evaluate`: keep and evaluate the ensemble (batch_schedule.ensemble); `save`: write snapshot files.
  SnapshotEnsembleHook(bool save, bool evaluate) : save_(save), evaluate_(evaluate) {}
  std::string name() const override { return "snapshot_ensemble"; }
  void on_start(TrainContext& c) override;
  void after_step(TrainContext& c) override;
  void load_state(TrainContext& c, const StateReader& in) override;
  void save_results(const TrainContext& c, StateWriter& out) const override;

 private:
  bool save_, evaluate_;
  std::unique_ptr<SnapshotEnsemble> ensemble_;
};

}  // namespace curvlab
