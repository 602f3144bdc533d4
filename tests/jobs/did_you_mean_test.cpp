// "Did you mean" (jobs/did_you_mean.cpp): the optimal-string-alignment edit distance (hand-counted
// cases: insertions, deletions, substitutions, a swap of neighbours, case-insensitive), the closest
// candidate only for near misses (distance <= max(1, candidate length / 3), at most 3; ties to the
// earliest), and the joined list of names.
#include "jobs/did_you_mean.h"

#include <gtest/gtest.h>

namespace curvlab {
namespace {

TEST(DidYouMean, EditDistance) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("train", "trian"), 1u);  // a swap of neighbours costs 1
  EXPECT_EQ(edit_distance("SGD", "sgd"), 0u);      // case-insensitive
  EXPECT_EQ(edit_distance("lr", "lr"), 0u);
}

TEST(DidYouMean, ClosestMatchOnlyForNearMisses) {
  const std::vector<std::string> names = {"fashion-mnist", "mnist", "cifar10", "synthetic"};
  EXPECT_EQ(closest_match("fashion_mnist", names), "fashion-mnist");
  EXPECT_EQ(closest_match("minst", names), "mnist");
  EXPECT_EQ(closest_match("cifar", names), "cifar10");
  EXPECT_EQ(closest_match("imagenet", names), "");
  EXPECT_EQ(closest_match("x", {"lr"}), "");
  EXPECT_EQ(join_names({"a", "b", "c"}), "a, b, c");
}

TEST(DidYouMean, ThresholdsAndTies) {
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);        // one swap, not two substitutions
  EXPECT_EQ(edit_distance("abc", "ca"), 3u);       // OSA: no edit of a swapped pair again
  EXPECT_EQ(edit_distance("momentum", "momentmu"), 1u);
  // len 9 "optimizer": up to 3 edits; len 5 "train": 1.
  EXPECT_EQ(closest_match("optimzr", {"optimizer"}), "optimizer");  // 2 deletions
  EXPECT_EQ(closest_match("trxxn", {"train"}), "");                 // 2 edits on a 5-letter word
  EXPECT_EQ(closest_match("lrr", {"lr", "lx"}), "lr");
  EXPECT_EQ(closest_match("ab", {"ax", "ay"}), "ax");               // a tie: the earliest
  EXPECT_EQ(closest_match("anything", {}), "");
  EXPECT_EQ(join_names({}), "");
  EXPECT_EQ(join_names({"x"}), "x");
  EXPECT_EQ(join_names({"a", "b"}, " | "), "a | b");
}

}  // namespace
}  // namespace curvlab
