// Serves global batches from a seeded per-epoch permutation, and this rank's slice of each.
// Not for: reading files (dataset.h). The loader's whole state is (epoch, position): see save/load.
//
// Semantics: epoch e uses permutation randperm(N) seeded from (seed, "loader", e). A global batch
// of size B takes the next min(B, N - position) indices (the last batch of an epoch is smaller
// unless drop_last). Rank r of W takes slice r of the global batch, split into W contiguous
// parts whose sizes differ by at most one (the first B % W ranks get one more); a rank may get 0.
// An epoch ends when all N samples are served (or, with drop_last, when fewer than the requested
// batch remain); the next call then starts epoch e + 1. The batch size may change at every call
// (with drop_last, Batch::last_in_epoch assumes the next call asks for the same size).
// Since (epoch, position) count global samples, a run may resume with a different rank count.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "base/state_io.h"
#include "engine/data/dataset.h"

namespace curvlab {

struct Batch {
  torch::Tensor inputs;         // [local, C, H, W]
  torch::Tensor targets;        // [local]
  std::int64_t local_size = 0;  // samples on this rank
  std::int64_t global_size = 0; // samples in the global batch (all ranks)
  std::int64_t offset = 0;      // position of this rank's first sample in the global batch
  std::int64_t epoch = 0;       // epoch the batch belongs to (0-based)
  bool last_in_epoch = false;   // this batch ends the epoch
};

class Loader : public Stateful {
 public:
  // `data` is held by reference and must outlive the loader. ConfigError for a bad rank or empty data.
  Loader(const Dataset& data, std::uint64_t seed, int rank, int world_size, bool drop_last);

  // The next global batch of (at most) `global_batch` samples; this rank's slice of it
  // (inputs and targets gathered with one index_select each). ConfigError when global_batch < 1,
  // or when drop_last and global_batch > N.
  Batch next(std::int64_t global_batch);

  // Number of batches in one epoch at this batch size (drop_last: N / B, else ceil(N / B)).
  std::int64_t batches_per_epoch(std::int64_t global_batch) const;

  std::int64_t epoch() const { return epoch_; }
  std::int64_t position() const { return position_; }  // samples consumed in the current epoch
  // Restores exactly; throws ConfigError unless 0 <= position <= N and epoch >= 0.
  void set_state(std::int64_t epoch, std::int64_t position);
  // "<prefix>/epoch", "<prefix>/position", and "<prefix>/size" (N, checked on load: IoError when the
  // checkpoint was written with a data set of another size).
  void save_state(StateWriter& out, const std::string& prefix) const override;
  void load_state(const StateReader& in, const std::string& prefix) override;
  const Dataset& data() const { return data_; }

 private:
  void begin_epoch();
  const Dataset& data_;
  std::uint64_t seed_;
  int rank_, world_;
  bool drop_last_;
  std::int64_t epoch_ = 0, position_ = 0;
  torch::Tensor perm_;           // permutation of the current epoch
  std::int64_t perm_epoch_ = -1;
};

}  // namespace curvlab
