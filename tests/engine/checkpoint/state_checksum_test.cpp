// The state-file checksum (engine/checkpoint/state_checksum.cpp) against an independent bitwise
// CRC32 over the documented records (path 0 dtype 0 shape 0 raw-bytes, sorted by path): insertion
// order, byte-wise path order, records of different lengths combined, empty data, dtype and shape
// in the record, the shape key and the 8-hex-digit form. Exact equality: a checksum has no tolerance.
#include "engine/checkpoint/state_checksum.h"

#include <gtest/gtest.h>

#include <numeric>

#include "base/error.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::record;
using testing_ckpt::reference_crc32;

TEST(StateChecksum, DoesNotDependOnInsertionOrder) {
  const std::int64_t a = 1, b = 2, c = 3;
  StateChecksum forward, backward;
  forward.add("a", "int64", {}, &a, 8);
  forward.add("b/x", "int64", {1}, &b, 8);
  forward.add("c", "int64", {}, &c, 8);
  backward.add("c", "int64", {}, &c, 8);
  backward.add("b/x", "int64", {1}, &b, 8);
  backward.add("a", "int64", {}, &a, 8);
  EXPECT_EQ(forward.value(), backward.value());
  const std::string all = record("a", "int64", "", &a, 8) + record("b/x", "int64", "1", &b, 8) +
                          record("c", "int64", "", &c, 8);
  EXPECT_EQ(forward.value(), reference_crc32(all));
  EXPECT_THROW(forward.add("a", "int64", {}, &a, 8), IoError);
}

// Sorted means byte-wise order of the paths: "B" (0x42) < "a" (0x61) < "a.b" < "a/b" ('.' 0x2e < '/' 0x2f).
TEST(StateChecksum, RecordsAreCombinedInByteWisePathOrder) {
  std::vector<float> big(1000);
  std::iota(big.begin(), big.end(), -500.0f);
  const std::string text = "κ-FAC";
  const unsigned char flags[3] = {1, 0, 1};
  StateChecksum sum;
  sum.add("a/b", "float32", {10, 100}, big.data(), big.size() * sizeof(float));
  sum.add("a", "string", {}, text.data(), text.size());
  sum.add("B", "bool", {3}, flags, 3);
  sum.add("a.b", "float64", {0, 3}, nullptr, 0);  // an empty tensor: shape only
  EXPECT_EQ(sum.datasets(), 4u);
  const std::string all = record("B", "bool", "3", flags, 3) + record("a", "string", "", text.data(), text.size()) +
                          record("a.b", "float64", "0,3", nullptr, 0) +
                          record("a/b", "float32", "10,100", big.data(), big.size() * sizeof(float));
  EXPECT_EQ(sum.value(), reference_crc32(all));
}

TEST(StateChecksum, EmptyChecksumIsTheCrcOfNothing) {
  const StateChecksum none;
  EXPECT_EQ(none.datasets(), 0u);
  EXPECT_EQ(none.value(), reference_crc32(""));
  EXPECT_EQ(none.value(), 0u);
}

TEST(StateChecksum, ShapeKeyAndHexForm) {
  EXPECT_EQ(shape_key({}), "");
  EXPECT_EQ(shape_key({7}), "7");
  EXPECT_EQ(shape_key({2, 0, 3}), "2,0,3");
  EXPECT_EQ(format_crc32(0), "00000000");
  EXPECT_EQ(format_crc32(0x1a2b3c4du), "1a2b3c4d");
  EXPECT_EQ(format_crc32(0xFFFFFFFFu), "ffffffff");
  // The well-known check value of CRC-32/IEEE: crc32("123456789") = cbf43926.
  EXPECT_EQ(format_crc32(reference_crc32("123456789")), "cbf43926");
}

TEST(StateChecksum, TheSameBytesUnderAnotherDtypeOrShapeDiffer) {
  const std::int32_t v[2] = {1, 2};
  StateChecksum a, b, c;
  a.add("x", "int32", {2}, v, 8);
  b.add("x", "float32", {2}, v, 8);
  c.add("x", "int32", {1, 2}, v, 8);
  EXPECT_NE(a.value(), b.value());
  EXPECT_NE(a.value(), c.value());
  EXPECT_EQ(c.value(), reference_crc32(record("x", "int32", "1,2", v, 8)));
}

}  // namespace
}  // namespace curvlab
