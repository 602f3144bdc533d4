// The loader: per-epoch permutations from named random streams, slices by rank, one
// index_select per tensor per batch (no per-sample work, no global RNG state).
#include "engine/data/loader.h"

#include <ATen/CPUGeneratorImpl.h>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {
namespace {

std::string join(const std::string& prefix, const char* key) {
  if (prefix.empty()) return key;
  return prefix.back() == '/' ? prefix + key : prefix + "/" + key;
}

}  // namespace

Loader::Loader(const Dataset& data, std::uint64_t seed, int rank, int world_size, bool drop_last)
    : data_(data), seed_(seed), rank_(rank), world_(world_size), drop_last_(drop_last) {
  CURVLAB_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, ConfigError,
                "Loader: rank " + std::to_string(rank) + " is not in [0, " + std::to_string(world_size) + ")");
  CURVLAB_CHECK(data.size() > 0 && data.inputs.defined() && data.inputs.size(0) == data.size(), ConfigError,
                "Loader: data set \"" + data.name + "\" is empty or its inputs and targets differ in length");
}

void Loader::begin_epoch() {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(derive_seed(seed_, "loader", std::uint64_t(epoch_)));
  perm_ = torch::randperm(data_.size(), gen, torch::TensorOptions().dtype(torch::kInt64));
  perm_epoch_ = epoch_;
}

Batch Loader::next(std::int64_t global_batch) {
  const std::int64_t n = data_.size();
  CURVLAB_CHECK(global_batch >= 1, ConfigError,
                "batch size must be >= 1 (got " + std::to_string(global_batch) + ")");
  CURVLAB_CHECK(!drop_last_ || global_batch <= n, ConfigError,
                "batch size " + std::to_string(global_batch) + " exceeds the " + std::to_string(n) +
                    " training samples with drop_last on: no batch could be served; lower the batch size");
  if (position_ >= n || (drop_last_ && n - position_ < global_batch)) {
    ++epoch_;
    position_ = 0;
  }
  if (perm_epoch_ != epoch_) begin_epoch();

  const std::int64_t take = std::min(global_batch, n - position_);
  const std::int64_t base = take / world_, extra = take % world_;
  const std::int64_t start = position_ + rank_ * base + std::min<std::int64_t>(rank_, extra);
  const std::int64_t local = base + (rank_ < extra ? 1 : 0);
  auto index = perm_.narrow(0, start, local);

  Batch b;
  b.inputs = data_.inputs.index_select(0, index);
  b.targets = data_.targets.index_select(0, index);
  b.local_size = local;
  b.offset = start - position_;
  b.global_size = take;
  b.epoch = epoch_;
  position_ += take;
  b.last_in_epoch = position_ == n || (drop_last_ && n - position_ < global_batch);
  return b;
}

std::int64_t Loader::batches_per_epoch(std::int64_t global_batch) const {
  CURVLAB_CHECK(global_batch >= 1, ConfigError,
                "batch size must be >= 1 (got " + std::to_string(global_batch) + ")");
  const std::int64_t n = data_.size();
  return drop_last_ ? n / global_batch : (n + global_batch - 1) / global_batch;
}

void Loader::set_state(std::int64_t epoch, std::int64_t position) {
  CURVLAB_CHECK(epoch >= 0 && position >= 0 && position <= data_.size(), ConfigError,
                "Loader::set_state: (epoch " + std::to_string(epoch) + ", position " + std::to_string(position) +
                    ") is outside the data set of " + std::to_string(data_.size()) + " samples");
  epoch_ = epoch;
  position_ = position;
}

void Loader::save_state(StateWriter& out, const std::string& prefix) const {
  out.write_int(join(prefix, "epoch"), epoch_);
  out.write_int(join(prefix, "position"), position_);
  out.write_int(join(prefix, "size"), data_.size());
}

void Loader::load_state(const StateReader& in, const std::string& prefix) {
  // Checkpoints written before the loader saved its size (curvlab 0.1 trainers) hold only
  // epoch and position; they load unchecked.
  const std::int64_t size = in.has(join(prefix, "size")) ? in.read_int(join(prefix, "size")) : data_.size();
  CURVLAB_CHECK(size == data_.size(), IoError,
                "the checkpoint's loader state was written for a training split of " + std::to_string(size) +
                    " samples, this run has " + std::to_string(data_.size()) +
                    ": resume with the same data settings (dataset, train_subset)");
  set_state(in.read_int(join(prefix, "epoch")), in.read_int(join(prefix, "position")));
}

}  // namespace curvlab
