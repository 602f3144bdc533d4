// Tests of comm/communicator.cpp, the helpers every backend inherits: host(), the blocking
// allgather, allreduce_scalar and broadcast_string. A scripted two-rank fake checks the
// broadcast_string protocol from both sides (an int64 length [1] from the root, then that many
// uint8 bytes) and that the scalar goes through a float64 [1] allreduce; the local backend checks
// the one-rank identities.
#include "comm/communicator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <string>
#include <vector>

#include "comm/local/local_communicator.h"

namespace curvlab {
namespace {

// Rank `rank` of a 2-rank world whose other rank holds `other_value` (allreduce) and, as root,
// `root_string` (broadcast). Records every collective's dtype, sizes and root.
class ScriptedPair : public Communicator {
 public:
  ScriptedPair(int rank, double other_value, std::string root_string)
      : rank_(rank), other_(other_value), root_string_(std::move(root_string)) {}
  struct Call {
    std::string what;
    torch::ScalarType dtype;
    std::vector<std::int64_t> sizes;
    int root;
    torch::Tensor sent;  // what this rank's tensor held when the call was made
  };
  std::vector<Call> calls;

  int rank() const override { return rank_; }
  int size() const override { return 2; }
  int local_rank() const override { return rank_; }
  int local_size() const override { return 2; }
  std::string backend() const override { return "scripted"; }
  void barrier() override {}
  WorkPtr allreduce_async(std::vector<torch::Tensor> tensors, ReduceOp op) override {
    for (auto& t : tensors) {
      calls.push_back({"allreduce", t.scalar_type(), t.sizes().vec(), -1, t.clone()});
      const auto other = torch::full_like(t, other_);
      switch (op) {
        case ReduceOp::kSum: t.add_(other); break;
        case ReduceOp::kAverage: t.add_(other).div_(2); break;
        case ReduceOp::kMax: t.copy_(torch::maximum(t, other)); break;
        case ReduceOp::kMin: t.copy_(torch::minimum(t, other)); break;
      }
    }
    return std::make_shared<CompletedWork>();
  }
  WorkPtr broadcast_async(std::vector<torch::Tensor> tensors, int root) override {
    for (auto& t : tensors) {
      calls.push_back({"broadcast", t.scalar_type(), t.sizes().vec(), root, t.clone()});
      if (root == rank_) continue;
      // The other rank is the root: what it would send for root_string_.
      if (t.scalar_type() == torch::kInt64) {
        t.fill_(static_cast<std::int64_t>(root_string_.size()));
      } else {
        for (std::size_t i = 0; i < root_string_.size() && static_cast<std::int64_t>(i) < t.numel(); ++i) {
          t[static_cast<std::int64_t>(i)] = static_cast<std::uint8_t>(root_string_[i]);
        }
      }
    }
    return std::make_shared<CompletedWork>();
  }
  WorkPtr allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) override {
    calls.push_back({"allgather", input.scalar_type(), input.sizes().vec(), -1, input.clone()});
    torch::Tensor theirs = torch::full_like(input, other_);
    *outputs = rank_ == 0 ? std::vector<torch::Tensor>{input.clone(), theirs}
                          : std::vector<torch::Tensor>{theirs, input.clone()};
    return std::make_shared<CompletedWork>();
  }
  WorkPtr reduce_scatter_async(torch::Tensor, torch::Tensor, ReduceOp) override {
    return std::make_shared<CompletedWork>();
  }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

 private:
  int rank_;
  double other_;
  std::string root_string_;
};

TEST(Communicator, BroadcastStringOnANonRootRankReceivesTheRootsText) {
  ScriptedPair c(/*rank=*/1, 0, "resume from step 1200");
  EXPECT_EQ(c.broadcast_string("this rank's own text is ignored", 0), "resume from step 1200");
  ASSERT_EQ(c.calls.size(), 2u);
  EXPECT_EQ(c.calls[0].what, "broadcast");
  EXPECT_EQ(c.calls[0].dtype, torch::kInt64);
  EXPECT_EQ(c.calls[0].sizes, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(c.calls[0].root, 0);
  EXPECT_EQ(c.calls[1].dtype, torch::kUInt8);
  EXPECT_EQ(c.calls[1].sizes, (std::vector<std::int64_t>{21}));  // sized from the received length
  EXPECT_EQ(c.calls[1].root, 0);
  // Binary-safe: an embedded NUL survives.
  ScriptedPair z(1, 0, std::string("a\0b", 3));
  EXPECT_EQ(z.broadcast_string("", 0), std::string("a\0b", 3));
  ScriptedPair empty(1, 0, "");
  EXPECT_EQ(empty.broadcast_string("not empty here", 0), "");
}

TEST(Communicator, BroadcastStringOnTheRootSendsItsLengthThenItsBytes) {
  ScriptedPair c(/*rank=*/1, 0, "unused");
  EXPECT_EQ(c.broadcast_string("step 7", 1), "step 7");
  ASSERT_EQ(c.calls.size(), 2u);
  EXPECT_EQ(c.calls[0].root, 1);
  EXPECT_EQ(c.calls[0].sent.item<std::int64_t>(), 6);
  const torch::Tensor bytes = c.calls[1].sent;
  ASSERT_EQ(bytes.numel(), 6);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data_ptr()), 6), "step 7");
}

TEST(Communicator, AllreduceScalarIsAFloat64AllreduceOfOneElement) {
  for (const auto& [op, want] : std::vector<std::pair<ReduceOp, double>>{
           {ReduceOp::kSum, 12.5}, {ReduceOp::kAverage, 6.25}, {ReduceOp::kMax, 10.0}, {ReduceOp::kMin, 2.5}}) {
    ScriptedPair c(0, 10.0, "");
    EXPECT_DOUBLE_EQ(c.allreduce_scalar(2.5, op), want);
    ASSERT_EQ(c.calls.size(), 1u);
    EXPECT_EQ(c.calls[0].dtype, torch::kFloat64);
    EXPECT_EQ(c.calls[0].sizes, (std::vector<std::int64_t>{1}));
  }
  // float64 carries a step count exactly up to 2^53.
  ScriptedPair big(0, 0.0, "");
  EXPECT_EQ(big.allreduce_scalar(9007199254740992.0, ReduceOp::kMax), 9007199254740992.0);
}

TEST(Communicator, BlockingAllgatherReturnsEveryRanksTensorInRankOrder) {
  ScriptedPair c(1, 4.0, "");
  const auto out = c.allgather(torch::tensor({1.0, 2.0}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(torch::equal(out[0], torch::tensor({4.0, 4.0})));
  EXPECT_TRUE(torch::equal(out[1], torch::tensor({1.0, 2.0})));
}

TEST(Communicator, HostIsTheKernelsHostName) {
  std::ifstream f("/proc/sys/kernel/hostname");
  std::string name;
  if (!std::getline(f, name)) GTEST_SKIP() << "no /proc/sys/kernel/hostname to compare with";
  LocalCommunicator c;
  EXPECT_EQ(c.host(), name);
}

// The same helpers on the one-rank backend: identities.
TEST(LocalCommunicator, ControlPlaneHelpers) {
  LocalCommunicator c;
  EXPECT_DOUBLE_EQ(c.allreduce_scalar(2.5, ReduceOp::kSum), 2.5);
  EXPECT_EQ(c.broadcast_string("step 7", 0), "step 7");
  EXPECT_EQ(c.broadcast_string("", 0), "");
}

}  // namespace
}  // namespace curvlab
