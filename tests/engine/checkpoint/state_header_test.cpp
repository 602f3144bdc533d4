// The integrity header of state files (engine/checkpoint/state_header.cpp): what write_state_file
// stamps (magic, length, CRC32 of the rest checked against an independent bitwise CRC, the header's
// own CRC), files without it (plain HDF5) told apart, and every way a file can fail the check
// before HDF5 sees it: a flipped byte, a damaged header, truncation, appended bytes, foreign bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/state_header.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::ScratchDir;

void write_sample(const std::string& file) {
  write_state_file(file, [](StateWriter& w) {
    w.write_tensor("model/w", torch::arange(12, torch::kFloat32).reshape({3, 4}));
    w.write_int("trainer/step", 7);
  }, {{"step", "7"}});
}

std::uint64_t le(const std::string& bytes, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

std::string check_error(const std::string& file) {
  try {
    check_state_header(file, "checkpoint");
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no IoError for " << file;
  return "";
}

TEST(StateHeader, WriteStateFileStampsTheDocumentedHeader) {
  ScratchDir dir;
  const std::string file = dir.file("a.h5");
  write_sample(file);
  const std::string bytes = testing_ckpt::read_all(file);
  ASSERT_GT(bytes.size(), kStateHeaderSize);
  EXPECT_EQ(bytes.substr(0, 16), "curvlab-state-1\n");
  EXPECT_EQ(le(bytes, 16, 8), bytes.size());
  EXPECT_EQ(le(bytes, 24, 4), testing_ckpt::reference_crc32(bytes.substr(kStateHeaderSize)));
  EXPECT_EQ(le(bytes, 28, 4), testing_ckpt::reference_crc32(bytes.substr(0, 28)));
  EXPECT_EQ(bytes.substr(32, kStateHeaderSize - 32), std::string(kStateHeaderSize - 32, '\0'));
  EXPECT_EQ(bytes.substr(kStateHeaderSize, 8), "\x89HDF\r\n\x1a\n");  // HDF5 follows the user block
  EXPECT_EQ(check_state_header(file, "checkpoint"), StateFraming::kFramed);
  EXPECT_EQ(open_state_file(file)->read_int("trainer/step"), 7);
}

TEST(StateHeader, PlainHdf5IsUnframed) {
  ScratchDir dir;
  const std::string file = dir.file("old.h5");
  testing_ckpt::write_legacy_state_file(file, [](StateWriter& w) { w.write_int("trainer/step", 3); }, {});
  EXPECT_EQ(check_state_header(file, "checkpoint"), StateFraming::kUnframed);
  EXPECT_EQ(open_state_file(file)->read_int("trainer/step"), 3);  // an older curvlab's file still opens
}

TEST(StateHeader, DamageIsCaughtBeforeHdf5) {
  ScratchDir dir;
  const std::string file = dir.file("a.h5");
  write_sample(file);
  const auto size = std::filesystem::file_size(file);

  testing_ckpt::flip_byte(file, size - 100);
  std::string msg = check_error(file);
  EXPECT_NE(msg.find("checkpoint '" + file + "' is corrupted (file checksum mismatch: its header says CRC32 "),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("it is not read; delete it or use an older checkpoint"), std::string::npos) << msg;
  testing_ckpt::restamp(file);
  EXPECT_EQ(check_state_header(file, "checkpoint"), StateFraming::kFramed);

  testing_ckpt::flip_byte(file, 17);  // the length field
  msg = check_error(file);
  EXPECT_NE(msg.find("has a damaged header"), std::string::npos) << msg;
  testing_ckpt::flip_byte(file, 17);

  std::filesystem::resize_file(file, size - 1);
  msg = check_error(file);
  EXPECT_NE(msg.find("is truncated: it has " + std::to_string(size - 1) + " bytes, its header says " +
                     std::to_string(size)), std::string::npos) << msg;
  std::filesystem::resize_file(file, size + 1);
  msg = check_error(file);
  EXPECT_NE(msg.find("is longer than written"), std::string::npos) << msg;
  std::filesystem::resize_file(file, 20);
  msg = check_error(file);
  EXPECT_NE(msg.find("is truncated inside its header (20 bytes)"), std::string::npos) << msg;
}

TEST(StateHeader, ForeignFilesAreNotCurvlabStateFiles) {
  ScratchDir dir;
  const std::string text = dir.file("text.h5"), empty = dir.file("empty.h5");
  std::ofstream(text) << "[job]\nname = \"not a checkpoint\"\n";
  std::ofstream{empty};
  for (const std::string& file : {text, empty}) {
    const std::string bytes = std::to_string(std::filesystem::file_size(file)) + " bytes";
    const std::string msg = check_error(file);
    EXPECT_NE(msg.find("is not a curvlab state file (it starts with neither curvlab's header nor HDF5's "
                       "signature; " + bytes + ")"), std::string::npos) << msg;
  }
}

TEST(StateHeader, StampNeedsRoomAfterTheHeader) {
  ScratchDir dir;
  const std::string file = dir.file("small");
  std::ofstream(file) << std::string(100, 'x');
  try {
    stamp_state_header(file, "ckpt.h5");
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no room for HDF5 data after its header"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace curvlab
