// Tests of the Loader's documented semantics on a data set whose sample i holds the value i:
// epoch coverage, rank slices (1..4 ranks, uneven) that concatenate to the 1-rank batch, batch
// sizes that change every step, drop_last, exact resume (set_state and save/load), determinism,
// independence from global RNG state, and the permutation itself against torch::randperm.
#include "engine/data/loader.h"

#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {
namespace {

// N samples; inputs [N, 2, 1, 1] with both values = i, targets = i.
Dataset indexed(std::int64_t n) {
  Dataset d;
  d.name = "indexed";
  d.targets = torch::arange(n, torch::kInt64);
  d.inputs = d.targets.to(torch::kFloat32).view({n, 1, 1, 1}).repeat({1, 2, 1, 1});
  d.num_classes = n;
  return d;
}

std::vector<std::int64_t> ids(const Batch& b) {
  return std::vector<std::int64_t>(b.targets.data_ptr<std::int64_t>(), b.targets.data_ptr<std::int64_t>() + b.local_size);
}

TEST(Loader, EpochCoversEverySampleOnce) {
  Dataset d = indexed(103);
  Loader loader(d, 7, 0, 1, false);
  EXPECT_EQ(loader.batches_per_epoch(10), 11);
  std::vector<std::int64_t> seen;
  for (int i = 0; i < 11; ++i) {
    Batch b = loader.next(10);
    EXPECT_EQ(b.epoch, 0);
    EXPECT_EQ(b.global_size, i < 10 ? 10 : 3);
    EXPECT_EQ(b.last_in_epoch, i == 10);
    ASSERT_EQ(b.inputs.sizes(), (std::vector<std::int64_t>{b.local_size, 2, 1, 1}));
    // Inputs and targets are gathered with the same indices.
    EXPECT_TRUE(b.inputs.select(1, 0).flatten().to(torch::kInt64).equal(b.targets));
    for (auto v : ids(b)) seen.push_back(v);
  }
  EXPECT_EQ(loader.position(), 103);
  std::sort(seen.begin(), seen.end());
  std::vector<std::int64_t> all(103);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(seen, all);
  Batch next = loader.next(10);
  EXPECT_EQ(next.epoch, 1);
  EXPECT_EQ(loader.epoch(), 1);
  EXPECT_EQ(loader.position(), 10);
}

TEST(Loader, PermutationIsRandpermOfTheNamedStream) {
  Dataset d = indexed(50);
  Loader loader(d, 123, 0, 1, false);
  for (std::int64_t epoch = 0; epoch < 2; ++epoch) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(derive_seed(123, "loader", epoch));
    auto expected = torch::randperm(50, gen, torch::kInt64);
    EXPECT_TRUE(loader.next(50).targets.equal(expected)) << "epoch " << epoch;
  }
}

TEST(Loader, RankSlicesConcatenateToTheOneRankBatch) {
  Dataset d = indexed(37);
  const std::vector<std::int64_t> sizes = {8, 3, 1, 10, 5, 9, 2, 7, 13};  // crosses epochs, B < W too
  for (int world = 1; world <= 4; ++world) {
    Loader single(d, 11, 0, 1, false);
    std::vector<Loader> ranks;
    for (int r = 0; r < world; ++r) ranks.emplace_back(d, 11, r, world, false);
    for (auto b : sizes) {
      Batch ref = single.next(b);
      std::vector<torch::Tensor> parts;
      for (int r = 0; r < world; ++r) {
        Batch mine = ranks[r].next(b);
        EXPECT_EQ(mine.global_size, ref.global_size);
        EXPECT_EQ(mine.epoch, ref.epoch);
        EXPECT_EQ(mine.last_in_epoch, ref.last_in_epoch);
        // Contiguous parts differing by at most one; the first B % W ranks get one more.
        const std::int64_t expect = ref.global_size / world + (r < ref.global_size % world ? 1 : 0);
        EXPECT_EQ(mine.local_size, expect) << "world " << world << " rank " << r << " B " << b;
        EXPECT_EQ(mine.targets.size(0), expect);
        parts.push_back(mine.targets);
      }
      EXPECT_TRUE(torch::cat(parts).equal(ref.targets)) << "world " << world << " B " << b;
    }
  }
}

TEST(Loader, BatchSizeMayChangeEveryStep) {
  Dataset d = indexed(60);
  Loader fixed(d, 3, 0, 1, false), varying(d, 3, 0, 1, false);
  // The epoch's order is the permutation, whatever the batch sizes.
  auto order = fixed.next(60).targets;
  std::vector<torch::Tensor> got;
  std::int64_t total = 0;
  for (std::int64_t b : {1, 17, 4, 30, 25}) {
    Batch batch = varying.next(b);
    EXPECT_EQ(batch.global_size, std::min(b, 60 - total));
    total += batch.global_size;
    got.push_back(batch.targets);
    if (total == 60) break;
  }
  EXPECT_EQ(total, 60);
  EXPECT_TRUE(torch::cat(got).equal(order));
}

TEST(Loader, DropLastSkipsTheShortBatch) {
  Dataset d = indexed(103);
  Loader loader(d, 5, 0, 1, true);
  EXPECT_EQ(loader.batches_per_epoch(10), 10);
  for (int i = 0; i < 10; ++i) {
    Batch b = loader.next(10);
    EXPECT_EQ(b.global_size, 10);
    EXPECT_EQ(b.epoch, 0);
    EXPECT_EQ(b.last_in_epoch, i == 9);
  }
  Batch b = loader.next(10);
  EXPECT_EQ(b.epoch, 1);
  EXPECT_EQ(b.global_size, 10);
  EXPECT_THROW(loader.next(104), ConfigError);
  EXPECT_THROW(loader.next(0), ConfigError);
}

// A StateWriter / StateReader over a map, to test save_state / load_state without files.
class MapState : public StateWriter, public StateReader {
 public:
  void write_tensor(const std::string& p, const torch::Tensor& v) override { tensors_[p] = v; }
  void write_int(const std::string& p, std::int64_t v) override { ints_[p] = v; }
  void write_double(const std::string&, double) override {}
  void write_string(const std::string&, const std::string&) override {}
  bool has(const std::string& p) const override { return ints_.count(p) || tensors_.count(p); }
  std::vector<std::string> children(const std::string&) const override { return {}; }
  torch::Tensor read_tensor(const std::string& p) const override { return tensors_.at(p); }
  std::int64_t read_int(const std::string& p) const override { return ints_.at(p); }
  double read_double(const std::string&) const override { return 0; }
  std::string read_string(const std::string&) const override { return ""; }
  std::map<std::string, std::int64_t> ints_;
  std::map<std::string, torch::Tensor> tensors_;
};

TEST(Loader, ResumeGivesTheSameBatches) {
  Dataset d = indexed(41);
  for (bool drop_last : {false, true}) {
    Loader run(d, 9, 1, 3, drop_last);
    MapState saved;
    std::int64_t epoch = -1, position = -1;
    std::vector<torch::Tensor> after;
    for (int step = 0; step < 20; ++step) {
      if (step == 7) {
        epoch = run.epoch();
        position = run.position();
        run.save_state(saved, "loader");
      }
      Batch b = run.next(6 + step % 3);
      if (step >= 7) after.push_back(b.targets);
    }
    EXPECT_EQ(saved.ints_.at("loader/position"), position);
    EXPECT_EQ(saved.ints_.at("loader/size"), 41);
    Loader by_state(d, 9, 1, 3, drop_last), by_file(d, 9, 1, 3, drop_last);
    by_state.set_state(epoch, position);
    by_file.load_state(saved, "loader/");
    for (int step = 7; step < 20; ++step) {
      EXPECT_TRUE(by_state.next(6 + step % 3).targets.equal(after[step - 7])) << "step " << step;
      EXPECT_TRUE(by_file.next(6 + step % 3).targets.equal(after[step - 7])) << "step " << step;
    }
  }
  // A state saved at the very end of an epoch resumes into the next one.
  Loader a(d, 9, 0, 1, false), b(d, 9, 0, 1, false);
  a.next(41);
  b.set_state(a.epoch(), a.position());
  EXPECT_TRUE(a.next(5).targets.equal(b.next(5).targets));
  EXPECT_THROW(b.set_state(0, 42), ConfigError);
  MapState other;
  other.ints_ = {{"size", 40}, {"epoch", 0}, {"position", 0}};
  EXPECT_THROW(b.load_state(other, ""), IoError);
}

TEST(Loader, DeterministicAndIndependentOfGlobalRng) {
  Dataset d = indexed(64);
  Loader a(d, 1, 0, 1, false), b(d, 1, 0, 1, false), c(d, 2, 0, 1, false);
  torch::manual_seed(0);
  auto a0 = a.next(64).targets;
  torch::manual_seed(999);
  (void)torch::rand({10});
  auto b0 = b.next(64).targets;
  EXPECT_TRUE(a0.equal(b0));
  EXPECT_FALSE(a0.equal(c.next(64).targets));
  EXPECT_FALSE(a0.equal(a.next(64).targets));  // epoch 1 has another permutation
}

TEST(Loader, RejectsBadRanksAndEmptyData) {
  Dataset d = indexed(4);
  EXPECT_THROW(Loader(d, 0, 2, 2, false), ConfigError);
  EXPECT_THROW(Loader(d, 0, 0, 0, false), ConfigError);
  Dataset empty;
  EXPECT_THROW(Loader(empty, 0, 0, 1, false), ConfigError);
}

}  // namespace
}  // namespace curvlab
