// Snapshot ensembles at cycle ends (see snapshot_ensemble_hook.h).
#include "engine/hooks/snapshot_ensemble_hook.h"

#include <torch/torch.h>

#include <filesystem>

#include "engine/models/model.h"
#include "engine/train_context.h"

namespace curvlab {

void SnapshotEnsembleHook::on_start(TrainContext& c) {
  if (evaluate_) ensemble_ = std::make_unique<SnapshotEnsemble>(c.data.test, c.comm);
}

void SnapshotEnsembleHook::after_step(TrainContext& c) {
  if (!c.schedule->cycle_ended(c.at_start, c.progress_now())) return;
  const std::int64_t cycle = c.schedule->cycle_at(c.at_start);
  if (save_ && c.is_root()) {
    std::filesystem::create_directories(c.paths.dir + "/snapshots");
    auto attrs = c.file_attributes("snapshot");
    attrs.erase("job_file");
    attrs["cycle"] = std::to_string(cycle);
    SnapshotEnsemble::save_snapshot(*c.model, SnapshotEnsemble::snapshot_path(c.paths.dir, cycle), attrs);
  }
  if (!ensemble_) return;
  const EnsembleEval e = ensemble_->add(*c.model);
  c.metrics.snapshots.append({static_cast<double>(cycle), static_cast<double>(c.step), c.epoch_progress(),
                              static_cast<double>(c.batch_size), e.test_loss, e.test_accuracy,
                              static_cast<double>(e.ensemble_size), e.ensemble_loss, e.ensemble_accuracy});
}

// The ensemble's summed probabilities are rebuilt from the snapshot files of the cycles recorded in
// the metrics (so any rank count can resume).
void SnapshotEnsembleHook::load_state(TrainContext& c, const StateReader& in) {
  if (!ensemble_ || c.metrics.snapshots.rows() == 0) return;
  // Building a model draws its initial values from the global torch generator: keep it untouched.
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  const torch::Tensor saved = gen.get_state();
  Net m = make_model(c.options.model, c.data.sample_shape, c.data.num_classes);
  gen.set_state(saved);
  for (double cycle : c.metrics.snapshots.column("cycle")) {
    SnapshotEnsemble::load_snapshot(*m, SnapshotEnsemble::snapshot_path(c.paths.dir, static_cast<std::int64_t>(cycle)));
    ensemble_->add(*m);
  }
}

void SnapshotEnsembleHook::save_results(const TrainContext& c, StateWriter& w) const {
  const MetricTable& s = c.metrics.snapshots;
  if (s.rows() == 0) return;
  w.write_double("summary/ensemble_accuracy", s.column("ensemble_accuracy").back());
  w.write_double("summary/ensemble_loss", s.column("ensemble_loss").back());
  w.write_int("summary/ensemble_size", static_cast<std::int64_t>(s.column("ensemble_size").back()));
}

}  // namespace curvlab
