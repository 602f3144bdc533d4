// Snapshot ensembles of a cyclical batch-size schedule: the model saved at the end of every cycle
// (<run>/snapshots/snapshot_<cycle>.h5) and the evaluation of the average of the snapshots'
// softmax outputs on the test split (Huang et al. 2017, "Snapshot Ensembles"; Mu et al. 2018).
// Each rank keeps the summed probabilities of its slice of the test split; evaluations are
// collective. A resumed run rebuilds the sum from the snapshot files.
// Not for: when a cycle ends (algorithms/large_batch/batch_schedule.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "comm/communicator.h"
#include "engine/data/dataset.h"
#include "engine/models/model.h"

namespace curvlab {

struct EnsembleEval {
  double test_loss = 0;           // the snapshot alone
  double test_accuracy = 0;
  std::int64_t ensemble_size = 0;
  double ensemble_loss = 0;       // cross-entropy of the mean softmax
  double ensemble_accuracy = 0;
};

class SnapshotEnsemble {
 public:
  // `test` must outlive the ensemble.
  SnapshotEnsemble(const Dataset& test, CommunicatorPtr comm);

  // Collective: evaluates `model` (switched to eval mode and back to train mode) on this rank's
  // test slice, adds its softmax outputs to the ensemble, returns both evaluations (global).
  EnsembleEval add(NetImpl& model);
  std::int64_t size() const { return count_; }

  // Rank 0: writes the model's parameters and buffers (state_dict names under "model/") to `path`.
  static void save_snapshot(NetImpl& model, const std::string& path, const std::map<std::string, std::string>& attrs);
  // Loads a snapshot written by save_snapshot into `model` (same architecture); IoError otherwise.
  static void load_snapshot(NetImpl& model, const std::string& path);
  // "<run_dir>/snapshots/snapshot_0003.h5"
  static std::string snapshot_path(const std::string& run_dir, std::int64_t cycle);

 private:
  const Dataset& test_;
  CommunicatorPtr comm_;
  std::int64_t begin_ = 0, end_ = 0;
  torch::Tensor prob_sum_;  // [end - begin, classes], float64
  std::int64_t count_ = 0;
};

}  // namespace curvlab
