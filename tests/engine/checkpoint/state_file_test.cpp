// Whole state files: root attributes, the atomic write (a failing fill leaves nothing behind and
// an existing file untouched), and the checksum catching flipped bytes and truncation. The
// checksum is checked against an independent bitwise CRC32 over the documented record layout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "engine/checkpoint/state_checksum.h"
#include "engine/checkpoint/state_file.h"
#include "base/error.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::ScratchDir;
namespace fs = std::filesystem;

// Reference CRC32 (IEEE 802.3, reflected, poly 0xEDB88320), bit by bit: independent of zlib.
std::uint32_t reference_crc32(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string record(const std::string& path, const std::string& dtype, const std::string& shape,
                   const void* data, std::size_t n) {
  std::string r = path + '\0' + dtype + '\0' + shape + '\0';
  r.append(static_cast<const char*>(data), n);
  return r;
}

void write_sample(const std::string& file, std::int64_t step) {
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/fc.weight", torch::arange(6, torch::kFloat32).reshape({2, 3}));
    w.write_int("trainer/step", step);
    w.write_string("trainer/note", "hello");
  }, {{"step", std::to_string(step)}, {"job_text", "[job]\nkind = \"train\"\n"}});
}

std::string expect_io_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an IoError";
  return "";
}

TEST(StateFile, ChecksumMatchesIndependentCrcOverSortedRecords) {
  ScratchDir dir;
  const std::string file = dir.file("sum.h5");
  write_sample(file, 12);
  const torch::Tensor w = torch::arange(6, torch::kFloat32);
  const std::int64_t step = 12;
  // Sorted path order: model/fc.weight < trainer/note < trainer/step.
  const std::string all = record("model/fc.weight", "float32", "2,3", w.data_ptr(), 24) +
                          record("trainer/note", "string", "", "hello", 5) +
                          record("trainer/step", "int64", "", &step, 8);
  const auto attrs = read_state_attributes(file);
  EXPECT_EQ(attrs.at("checksum_crc32"), format_crc32(reference_crc32(all)));
  EXPECT_EQ(attrs.at("format"), "curvlab-state-1");
  EXPECT_EQ(attrs.at("step"), "12");
  EXPECT_EQ(attrs.at("job_text"), "[job]\nkind = \"train\"\n");
}

TEST(StateFile, ChecksumDoesNotDependOnInsertionOrder) {
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

TEST(StateFile, FailingFillLeavesNoFileAndKeepsExistingTarget) {
  ScratchDir dir;
  const std::string file = dir.file("state.h5");
  auto throwing = [](StateWriter& w) {
    w.write_tensor("model/w", torch::ones({100}));
    throw std::runtime_error("fill failed half way");
  };
  EXPECT_THROW(write_state_file(file, throwing, {}), std::runtime_error);
  EXPECT_TRUE(fs::is_empty(dir.path())) << "temp file left behind";

  write_sample(file, 1);
  const std::string before = testing_ckpt::read_all(file);
  EXPECT_THROW(write_state_file(file, throwing, {}), std::runtime_error);
  EXPECT_EQ(testing_ckpt::read_all(file), before) << "existing target changed";
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "state.h5");
  }
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(open_state_file(file)->read_int("trainer/step"), 1);
}

TEST(StateFile, ReservedAttributesAndMissingDirectoryAreRejected) {
  ScratchDir dir;
  const std::string msg = expect_io_error([&] {
    write_state_file(dir.file("a.h5"), [](StateWriter&) {}, {{"format", "mine"}});
  });
  EXPECT_NE(msg.find("set by write_state_file"), std::string::npos) << msg;
  const std::string nodir = expect_io_error([&] {
    write_state_file(dir.file("no/such/dir/a.h5"), [](StateWriter&) {}, {});
  });
  EXPECT_NE(nodir.find("does not exist"), std::string::npos) << nodir;
}

TEST(StateFile, FlippedDataByteIsDetected) {
  ScratchDir dir;
  for (const std::string path : {"model/fc.weight", "trainer/step"}) {
    const std::string file = dir.file("flip.h5");
    write_sample(file, 3);
    EXPECT_NO_THROW(open_state_file(file));
    std::optional<std::uint64_t> offset = Hdf5StateReader(file).data_file_offset(path);
    ASSERT_TRUE(offset.has_value()) << path << " has no contiguous data on disk";
    testing_ckpt::flip_byte(file, *offset + 1);
    const std::string msg = expect_io_error([&] { open_state_file(file); });
    EXPECT_NE(msg.find("is corrupted (checksum mismatch"), std::string::npos) << msg;
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
  }
}

TEST(StateFile, TruncatedAndForeignFilesAreRejected) {
  ScratchDir dir;
  const std::string file = dir.file("cut.h5");
  write_sample(file, 3);
  testing_ckpt::truncate_to_fraction(file, 0.5);
  const std::string cut = expect_io_error([&] { open_state_file(file); });
  EXPECT_NE(cut.find("truncated"), std::string::npos) << cut;
  EXPECT_NE(cut.find("HDF5:"), std::string::npos) << cut;

  const std::string text = dir.file("text.h5");
  std::ofstream(text) << "not an hdf5 file\n";
  const std::string foreign = expect_io_error([&] { open_state_file(text); });
  EXPECT_NE(foreign.find("not an HDF5 file"), std::string::npos) << foreign;

  const std::string missing = expect_io_error([&] { open_state_file(dir.file("none.h5")); });
  EXPECT_NE(missing.find("does not exist"), std::string::npos) << missing;
}

}  // namespace
}  // namespace curvlab
