// Tests of the IDX reader on small files written here: round trips (raw and gzip), subsets,
// file lookup, and the errors for bad magic numbers, truncation and trailing bytes.
#include "engine/data/idx_reader.h"

#include <gtest/gtest.h>

#include "engine/data/data_test_files.h"
#include "base/error.h"

namespace curvlab {
namespace {

using testing::TempDir;

// Expects f() to throw IoError whose message contains every one of `parts`.
template <typename F>
void expect_io_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

class IdxReaderTest : public ::testing::TestWithParam<bool> {};  // param: gzip

TEST_P(IdxReaderTest, ReadsWhatWasWritten) {
  TempDir dir;
  const bool gz = GetParam();
  const auto payload = testing::pattern_bytes(5 * 3 * 4, 7);
  const std::string path = dir / (gz ? "img.gz" : "img");
  testing::write_bytes(path, testing::idx_bytes({5, 3, 4}, payload), gz);

  const IdxHeader h = read_idx_header(path, 3);
  EXPECT_EQ(h.dims, (std::vector<std::int64_t>{5, 3, 4}));
  EXPECT_EQ(h.record_bytes(), 12);
  EXPECT_EQ(h.payload_bytes(), 60);

  auto all = read_idx_u8(path, 3);
  ASSERT_EQ(all.sizes(), (std::vector<std::int64_t>{5, 3, 4}));
  ASSERT_EQ(all.scalar_type(), torch::kUInt8);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(all.data_ptr<std::uint8_t>()[i], payload[i]) << "byte " << i;

  auto first2 = read_idx_u8(path, 3, 2);
  ASSERT_EQ(first2.sizes(), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_TRUE(first2.equal(all.narrow(0, 0, 2)));
  EXPECT_TRUE(read_idx_u8(path, 3, 99).equal(all));  // a limit past the end reads all
}

TEST_P(IdxReaderTest, TruncatedPayloadIsNamed) {
  TempDir dir;
  const bool gz = GetParam();
  const std::string path = dir / "labels";
  testing::write_bytes(path, testing::idx_bytes({10}, testing::pattern_bytes(7, 1)), gz);
  expect_io_error([&] { read_idx_header(path, 1); }, {path, "truncated", "10 records"});
  expect_io_error([&] { read_idx_u8(path, 1); }, {path, "truncated"});
  EXPECT_EQ(read_idx_u8(path, 1, 7).numel(), 7);  // the records that are there can be read
}

TEST_P(IdxReaderTest, TrailingBytesAreAnError) {
  TempDir dir;
  const std::string path = dir / "labels";
  testing::write_bytes(path, testing::idx_bytes({4}, testing::pattern_bytes(6, 1)), GetParam());
  expect_io_error([&] { read_idx_header(path, 1); }, {path, "trailing bytes"});
  expect_io_error([&] { read_idx_u8(path, 1); }, {path, "trailing bytes"});
}

TEST_P(IdxReaderTest, BadMagicNamesFileAndExpectation) {
  TempDir dir;
  const std::string path = dir / "labels";
  testing::write_bytes(path, testing::idx_bytes({4}, testing::pattern_bytes(4, 1)), GetParam());
  // A label file (1 dimension) where an image file (3 dimensions) is expected.
  expect_io_error([&] { read_idx_header(path, 3); }, {path, "bad magic number 0x00000801", "0x00000803"});
  expect_io_error([&] { read_idx_u8(path, 3); }, {path, "bad magic"});
}

INSTANTIATE_TEST_SUITE_P(RawAndGzip, IdxReaderTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "gzip" : "raw"; });

TEST(IdxReader, CutGzipStreamIsTruncated) {
  TempDir dir;
  const std::string whole = dir / "whole.gz", cut = dir / "cut.gz";
  testing::write_bytes(whole, testing::idx_bytes({200, 8, 8}, testing::pattern_bytes(200 * 64, 3)), true);
  std::ifstream in(whole, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(cut, std::ios::binary).write(bytes.data(), bytes.size() / 2);
  expect_io_error([&] { read_idx_header(cut, 3); }, {cut});
  expect_io_error([&] { read_idx_u8(cut, 3); }, {cut, "truncated"});
}

TEST(IdxReader, EmptyAndTinyFiles) {
  TempDir dir;
  testing::write_bytes(dir / "empty", {}, false);
  expect_io_error([&] { read_idx_header(dir / "empty", 1); }, {dir / "empty", "truncated"});
  testing::write_bytes(dir / "short", {0, 0, 8, 3, 0, 0}, false);
  expect_io_error([&] { read_idx_header(dir / "short", 3); }, {"truncated inside the header"});
  expect_io_error([&] { read_idx_header(dir / "absent", 1); }, {dir / "absent", "cannot open"});
}

TEST(IdxReader, FindPrefersRawThenGzip) {
  TempDir dir;
  EXPECT_EQ(find_idx_file(dir.path(), "x"), "");
  testing::write_bytes(dir / "x.gz", {1}, true);
  EXPECT_EQ(find_idx_file(dir.path(), "x"), dir / "x.gz");
  testing::write_bytes(dir / "x", {1}, false);
  EXPECT_EQ(find_idx_file(dir.path(), "x"), dir / "x");
}

}  // namespace
}  // namespace curvlab
