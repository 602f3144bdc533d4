// Whole state files (engine/checkpoint/state_file.cpp): root attributes, the atomic write (a failing
// fill leaves nothing behind and an existing file untouched), the verified open catching flipped
// bytes (by the integrity header; behind a re-stamped header, by the dataset checksum), truncation,
// a foreign format and a missing checksum, a file without the header (an older curvlab's) opening, check_state_checksum's verdicts, and
// h5py (Debian's /usr/bin/python3) reading a file curvlab wrote. The stored checksum is checked
// against an independent bitwise CRC32 over the documented record layout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_handle.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "engine/checkpoint/hdf5_strings.h"
#include "engine/checkpoint/state_checksum.h"
#include "engine/checkpoint/state_file.h"
#include "base/error.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::ScratchDir;
namespace fs = std::filesystem;

using testing_ckpt::record;
using testing_ckpt::reference_crc32;

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
    EXPECT_NE(msg.find("is corrupted (file checksum mismatch"), std::string::npos) << msg;  // the header's CRC
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    testing_ckpt::restamp(file);  // a valid header over the bad byte: the dataset checksum catches it
    const std::string behind = expect_io_error([&] { open_state_file(file); });
    EXPECT_NE(behind.find("is corrupted (checksum mismatch"), std::string::npos) << behind;
  }
}

TEST(StateFile, TruncatedAndForeignFilesAreRejected) {
  ScratchDir dir;
  const std::string file = dir.file("cut.h5");
  write_sample(file, 3);
  testing_ckpt::truncate_to_fraction(file, 0.5);
  const std::string cut = expect_io_error([&] { open_state_file(file); });
  EXPECT_NE(cut.find("is truncated: it has"), std::string::npos) << cut;  // the header's length

  const std::string text = dir.file("text.h5");
  std::ofstream(text) << "not an hdf5 file\n";
  const std::string foreign = expect_io_error([&] { open_state_file(text); });
  EXPECT_NE(foreign.find("is not a curvlab state file"), std::string::npos) << foreign;

  // A file without the header (as curvlab wrote before it) cut short: HDF5's own truncation check.
  const std::string old = dir.file("old.h5");
  testing_ckpt::write_legacy_state_file(old, [](StateWriter& w) { w.write_int("trainer/step", 1); }, {});
  testing_ckpt::truncate_to_fraction(old, 0.5);
  const std::string old_cut = expect_io_error([&] { open_state_file(old); });
  EXPECT_NE(old_cut.find("truncated or not an HDF5 file (HDF5:"), std::string::npos) << old_cut;

  const std::string missing = expect_io_error([&] { open_state_file(dir.file("none.h5")); });
  EXPECT_NE(missing.find("does not exist"), std::string::npos) << missing;
}

// A file without format or checksum attributes (what an interrupted or foreign writer leaves), and a
// newer format: open_state_file refuses each, naming what is missing; check_state_checksum says why.
TEST(StateFile, MissingFormatOrChecksumAndForeignFormatAreRejected) {
  ScratchDir dir;
  const std::string plain = dir.file("plain.h5");
  {
    H5File f(H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
  }
  const std::string no_format = expect_io_error([&] { open_state_file(plain); });
  EXPECT_NE(no_format.find("has no 'format' attribute"), std::string::npos) << no_format;
  const ChecksumCheck none = check_state_checksum(Hdf5StateReader(plain));
  EXPECT_FALSE(none.ok);
  EXPECT_TRUE(none.stored.empty());
  EXPECT_NE(none.problem.find("no 'checksum_crc32' attribute"), std::string::npos) << none.problem;

  const std::string future = dir.file("future.h5");
  {
    H5File f(H5Fcreate(future.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    write_string_attribute(f.get(), "format", "curvlab-state-2", future);
  }
  const std::string newer = expect_io_error([&] { open_state_file(future); });
  EXPECT_NE(newer.find("has format 'curvlab-state-2', expected 'curvlab-state-1'"), std::string::npos) << newer;
}

TEST(StateFile, CheckStateChecksumReportsStoredComputedAndCount) {
  ScratchDir dir;
  const std::string file = dir.file("ok.h5");
  write_sample(file, 5);
  const ChecksumCheck good = check_state_checksum(Hdf5StateReader(file));
  EXPECT_TRUE(good.ok) << good.problem;
  EXPECT_EQ(good.datasets, 3u);
  EXPECT_EQ(good.stored, good.computed);
  EXPECT_EQ(good.stored, read_state_attributes(file).at("checksum_crc32"));
  EXPECT_TRUE(good.problem.empty());

  const auto offset = Hdf5StateReader(file).data_file_offset("model/fc.weight");
  ASSERT_TRUE(offset.has_value());
  testing_ckpt::flip_byte(file, *offset);
  testing_ckpt::restamp(file);
  const ChecksumCheck bad = check_state_checksum(Hdf5StateReader(file));
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.stored, bad.computed);
  EXPECT_EQ(bad.problem, "checksum mismatch: stored " + bad.stored + ", computed " + bad.computed + " over 3 datasets");
  // read_state_attributes does not verify: it still reads the attributes of the corrupted file.
  EXPECT_EQ(read_state_attributes(file).at("step"), "5");
}

// Interop with h5py: Python reads a file curvlab wrote (values, dtypes, strings, attributes, the
// checksum recomputed from its documented definition, and a torch.nn model loaded from /model).
TEST(StateFile, PythonReadsWhatCurvlabWrites) {
  if (!testing_ckpt::python_available()) GTEST_SKIP() << testing_ckpt::kPython << " with h5py is not installed";
  ScratchDir dir;
  const std::string file = dir.file("ckpt_00000012.h5");
  // The values below are repeated in read_state_h5py.py.
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/fc.weight", torch::arange(6, torch::kFloat32).reshape({2, 3}) * 0.5 - 1);
    w.write_tensor("model/fc.bias", torch::tensor({0.25f, -0.5f}));
    w.write_tensor("model/mask", torch::tensor({true, false, true}));
    w.write_tensor("model/half", torch::tensor({1.5, -2.0}, torch::kFloat16));
    w.write_tensor("model/empty", torch::zeros({0, 3}, torch::kFloat64));
    w.write_tensor("model/count", torch::tensor(7, torch::kInt64));
    w.write_tensor("rng/torch_cpu", torch::arange(16, torch::kUInt8));
    w.write_int("trainer/step", 12);
    w.write_double("trainer/lr", 0.125);
    w.write_string("trainer/name", "κ-FAC ✓");
  }, {{"job_text", "[job]\nkind = \"train\"\n"}, {"step", "12"}});
  EXPECT_EQ(testing_ckpt::run_script("read_state_h5py.py", file), 0)
      << "the Python check failed; see its output above";
}

}  // namespace
}  // namespace curvlab
