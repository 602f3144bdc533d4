// The HDF5 StateReader (engine/checkpoint/hdf5_state_reader.cpp): nested paths and children, the
// errors that name the file, the path and what was expected, plain files h5py wrote (no torch_dtype
// attributes, big-endian data, fixed-length strings, h5py's bool; Debian's /usr/bin/python3), and the
// listing and checksum side: dataset_paths, describe, read_record (raw little-endian bytes), the
// recomputed checksum against an independent CRC32, root attributes, is_group / is_dataset, and
// data_file_offset pointing at the tensor's bytes in the file. Files without the integrity header:
// an older curvlab's checkpoint opens; one that crashes HDF5 (found by the state_reader fuzz target)
// is an IoError, because the reader walks such files in a separate process first.
#include "engine/checkpoint/hdf5_state_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "engine/checkpoint/checkpointer.h"
#include "base/error.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::ScratchDir;

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  }
  return "(no IoError thrown)";
}

void write_sample(const std::string& file) {
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/fc.weight", torch::arange(6, torch::kFloat32).reshape({2, 3}) - 2.5);
    w.write_tensor("model/half", torch::tensor({1.5, -2.0}, torch::kFloat16));
    w.write_tensor("model/mask", torch::tensor({true, false, true}));
    w.write_tensor("model/empty", torch::zeros({0, 3}, torch::kInt32));
    w.write_int("trainer/step", -7);
    w.write_double("trainer/lr", 0.125);
    w.write_string("trainer/note", "κ");
  }, {{"kind", "checkpoint"}});
}

TEST(Hdf5StateReader, NestedPathsWithDotsAndChildren) {
  ScratchDir dir;
  const std::string file = dir.file("paths.h5");
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/layer1.0.conv1.weight", torch::ones({2, 2}));
    w.write_tensor("/model/layer1.0.bn1.running_mean", torch::zeros({2}));
    w.write_tensor("optimizer/momentum_buffer/layer1.0.conv1.weight", torch::full({2, 2}, 3.0));
    w.write_int("optimizer/step", 7);
  }, {});
  auto reader = open_state_file(file);
  EXPECT_EQ(reader->children(""), (std::vector<std::string>{"model", "optimizer"}));
  EXPECT_EQ(reader->children("/"), (std::vector<std::string>{"model", "optimizer"}));
  EXPECT_EQ(reader->children("model"),
            (std::vector<std::string>{"layer1.0.bn1.running_mean", "layer1.0.conv1.weight"}));
  EXPECT_EQ(reader->children("optimizer"),
            (std::vector<std::string>{"momentum_buffer", "step"}));
  EXPECT_TRUE(reader->children("missing").empty());
  EXPECT_TRUE(reader->children("optimizer/step").empty());  // a dataset, not a group
  EXPECT_TRUE(reader->has("model"));
  EXPECT_TRUE(reader->has("model/layer1.0.conv1.weight"));
  EXPECT_TRUE(reader->has("/optimizer/momentum_buffer/layer1.0.conv1.weight"));
  EXPECT_FALSE(reader->has("model/layer1"));
  EXPECT_FALSE(reader->has("missing/deeper/still"));
  EXPECT_FALSE(reader->has("optimizer/step/below_a_dataset"));
  EXPECT_TRUE(torch::equal(reader->read_tensor("optimizer/momentum_buffer/layer1.0.conv1.weight"),
                           torch::full({2, 2}, 3.0)));
}

TEST(Hdf5StateReader, ErrorsNameFilePathAndExpectation) {
  ScratchDir dir;
  const std::string file = dir.file("errors.h5");
  write_state_file(file, [&](StateWriter& w) {
    w.write_tensor("model/w", torch::ones({3}));
    w.write_double("trainer/lr", 0.5);
    w.write_string("trainer/name", "x");
  }, {});
  auto reader = open_state_file(file);
  const std::string missing = message_of([&] { reader->read_tensor("model/absent"); });
  EXPECT_NE(missing.find("'model/absent'"), std::string::npos) << missing;
  EXPECT_NE(missing.find(file), std::string::npos) << missing;
  EXPECT_NE(missing.find("expected a tensor"), std::string::npos) << missing;
  const std::string wrong = message_of([&] { reader->read_int("trainer/lr"); });
  EXPECT_NE(wrong.find("float64"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("expected an integer scalar"), std::string::npos) << wrong;
  const std::string group = message_of([&] { reader->read_tensor("model"); });
  EXPECT_NE(group.find("is a group"), std::string::npos) << group;
  const std::string str = message_of([&] { reader->read_tensor("trainer/name"); });
  EXPECT_NE(str.find("string"), std::string::npos) << str;
  const std::string notstr = message_of([&] { reader->read_string("model/w"); });
  EXPECT_NE(notstr.find("expected a string scalar"), std::string::npos) << notstr;
  const std::string notdouble = message_of([&] { reader->read_double("model/w"); });
  EXPECT_NE(notdouble.find("shape [3]"), std::string::npos) << notdouble;
}

TEST(Hdf5StateReader, CurvlabReadsWhatH5pyWrites) {
  if (!testing_ckpt::python_available()) GTEST_SKIP() << testing_ckpt::kPython << " with h5py is not installed";
  ScratchDir dir;
  const std::string file = dir.file("from_h5py.h5");
  ASSERT_EQ(testing_ckpt::run_script("write_state_h5py.py", file), 0);
  Hdf5StateReader reader(file);
  EXPECT_TRUE(torch::equal(reader.read_tensor("model/w"),
                           torch::arange(6, torch::kFloat32).reshape({2, 3})));
  const torch::Tensor big_endian = reader.read_tensor("model/be");
  EXPECT_EQ(big_endian.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::equal(big_endian, torch::tensor({1.5, -2.25, 1e300}, torch::kFloat64)));
  const torch::Tensor mask = reader.read_tensor("model/mask");
  EXPECT_EQ(mask.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(mask, torch::tensor({false, true, true})));
  EXPECT_TRUE(torch::equal(reader.read_tensor("model/i16"),
                           torch::tensor({-3, 4}, torch::kInt16)));
  EXPECT_EQ(reader.read_int("trainer/step"), 99);
  EXPECT_EQ(reader.read_double("trainer/lr"), 0.5);
  EXPECT_EQ(reader.read_string("trainer/fixed"), "abc");
  EXPECT_EQ(reader.read_string("trainer/vlen"), "héllo");
  EXPECT_EQ(reader.root_attributes().at("note"), "from h5py");
  EXPECT_THROW(reader.read_tensor("model/u32"), IoError);  // torch 1.13 has no uint32
  // Records of a file without torch_dtype attributes use the HDF5 type names, bytes little-endian.
  const DatasetRecord be = reader.read_record("model/be");
  EXPECT_EQ(be.dtype, "float64");
  const double expected[3] = {1.5, -2.25, 1e300};
  ASSERT_EQ(be.bytes.size(), sizeof expected);
  EXPECT_EQ(std::memcmp(be.bytes.data(), expected, sizeof expected), 0);
  EXPECT_EQ(reader.describe("model/u32").dtype, "uint32");
  EXPECT_EQ(reader.describe("trainer/fixed").dtype, "string");
}

TEST(Hdf5StateReader, ListsDescribesAndReadsRecords) {
  ScratchDir dir;
  const std::string file = dir.file("records.h5");
  write_sample(file);
  Hdf5StateReader reader(file);
  EXPECT_EQ(reader.file_path(), file);
  EXPECT_EQ(reader.dataset_paths(), (std::vector<std::string>{"model/empty", "model/fc.weight", "model/half",
                                                              "model/mask", "trainer/lr", "trainer/note",
                                                              "trainer/step"}));
  EXPECT_TRUE(reader.is_group("model"));
  EXPECT_TRUE(reader.is_group(""));
  EXPECT_FALSE(reader.is_group("model/mask"));
  EXPECT_TRUE(reader.is_dataset("/model/mask"));
  EXPECT_FALSE(reader.is_dataset("model"));
  EXPECT_FALSE(reader.is_dataset("model/absent"));

  const DatasetRecord w = reader.describe("model/fc.weight");
  EXPECT_EQ(w.dtype, "float32");
  EXPECT_EQ(w.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(w.bytes.empty());  // describe reads no data
  const DatasetRecord wr = reader.read_record("model/fc.weight");
  const torch::Tensor values = torch::arange(6, torch::kFloat32) - 2.5;
  ASSERT_EQ(wr.bytes.size(), 24u);
  EXPECT_EQ(std::memcmp(wr.bytes.data(), values.data_ptr(), 24), 0);
  // float16 is stored as float32, the record says float16 (the torch_dtype attribute).
  const DatasetRecord h = reader.read_record("model/half");
  EXPECT_EQ(h.dtype, "float16");
  const float halves[2] = {1.5f, -2.0f};
  ASSERT_EQ(h.bytes.size(), 8u);
  EXPECT_EQ(std::memcmp(h.bytes.data(), halves, 8), 0);
  EXPECT_EQ(reader.read_record("model/mask").bytes, (std::vector<unsigned char>{1, 0, 1}));
  const DatasetRecord e = reader.read_record("model/empty");
  EXPECT_EQ(e.shape, (std::vector<std::int64_t>{0, 3}));
  EXPECT_TRUE(e.bytes.empty());
  const DatasetRecord s = reader.read_record("trainer/note");
  EXPECT_EQ(s.dtype, "string");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(std::string(s.bytes.begin(), s.bytes.end()), "κ");
  EXPECT_EQ(reader.describe("trainer/step").dtype, "int64");
  EXPECT_EQ(reader.describe("trainer/lr").dtype, "float64");

  // The recomputed checksum is the CRC32 of the documented records, in path order.
  const std::int64_t step = -7;
  const double lr = 0.125;
  const std::string all =
      testing_ckpt::record("model/empty", "int32", "0,3", nullptr, 0) +
      testing_ckpt::record("model/fc.weight", "float32", "2,3", values.data_ptr(), 24) +
      testing_ckpt::record("model/half", "float16", "2", halves, 8) +
      testing_ckpt::record("model/mask", "bool", "3", "\x01\x00\x01", 3) +
      testing_ckpt::record("trainer/lr", "float64", "", &lr, 8) +
      testing_ckpt::record("trainer/note", "string", "", "κ", std::strlen("κ")) +
      testing_ckpt::record("trainer/step", "int64", "", &step, 8);
  const StateChecksum sum = reader.compute_checksum();
  EXPECT_EQ(sum.datasets(), 7u);
  EXPECT_EQ(sum.value(), testing_ckpt::reference_crc32(all));
  const auto attrs = reader.root_attributes();
  EXPECT_EQ(attrs.at("checksum_crc32"), format_crc32(sum.value()));
  EXPECT_EQ(attrs.at("kind"), "checkpoint");
  EXPECT_EQ(attrs.at("format"), "curvlab-state-1");
}

// The offset points at the tensor's bytes in the file: reading them raw gives the values.
TEST(Hdf5StateReader, DataFileOffsetPointsAtTheBytes) {
  ScratchDir dir;
  const std::string file = dir.file("offset.h5");
  write_sample(file);
  Hdf5StateReader reader(file);
  const auto offset = reader.data_file_offset("model/fc.weight");
  ASSERT_TRUE(offset.has_value());
  const std::string bytes = testing_ckpt::read_all(file);
  ASSERT_LE(*offset + 24, bytes.size());
  const torch::Tensor values = torch::arange(6, torch::kFloat32) - 2.5;
  EXPECT_EQ(std::memcmp(bytes.data() + *offset, values.data_ptr(), 24), 0);
  EXPECT_FALSE(reader.data_file_offset("model/empty").has_value());  // no data, no offset
  EXPECT_THROW(reader.data_file_offset("model"), IoError);
}

TEST(Hdf5StateReader, MissingAndNonRegularFilesAreNamed) {
  ScratchDir dir;
  const std::string missing = message_of([&] { Hdf5StateReader r(dir.file("none.h5"), "results file"); });
  EXPECT_NE(missing.find("results file '" + dir.file("none.h5") + "' does not exist"), std::string::npos) << missing;
  const std::string directory = message_of([&] { Hdf5StateReader r(dir.path()); });
  EXPECT_NE(directory.find("is not a regular file"), std::string::npos) << directory;
}

TEST(Hdf5StateReader, FileWithoutHeaderThatCrashesHdf5IsAnIoError) {
  // A checkpoint of curvlab before the header with 2 bytes changed by the fuzzer: HDF5 1.10.8 reads
  // out of bounds in H5HG_read (global heap) on it and dies with SIGSEGV.
  const std::string file = std::string(CURVLAB_SOURCE_DIR) + "/tests/fuzz/regressions/state_reader/hdf5_global_heap_overflow.h5";
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  for (const auto& open : std::vector<std::function<void()>>{
           [&] { Hdf5StateReader r(file); }, [&] { open_state_file(file); }, [&] { read_state_attributes(file); }}) {
    const std::string msg = message_of(open);
    EXPECT_NE(msg.find("has no curvlab integrity header (an older curvlab's file, or another program's) and "
                       "reading it made the HDF5 library fail in a separate process ("), std::string::npos) << msg;
    EXPECT_NE(msg.find("it is damaged and was not read"), std::string::npos) << msg;
  }
}

TEST(Hdf5StateReader, CheckpointOfAnOlderCurvlabOpens) {
  // Written by curvlab before the integrity header (tests/fuzz/seed_job.toml, SGD, step 2).
  const std::string file = std::string(CURVLAB_SOURCE_DIR) + "/tests/fuzz/corpus/state_reader/legacy_sgd_ckpt.h5";
  EXPECT_EQ(check_state_header(file, "checkpoint"), StateFraming::kUnframed);
  const auto reader = open_state_file(file);  // format and dataset checksum verified
  EXPECT_EQ(reader->read_int("trainer/step"), 2);
  EXPECT_EQ(reader->read_tensor("model/fc1.weight").sizes().vec(), (std::vector<std::int64_t>{3, 4}));
}

}  // namespace
}  // namespace curvlab
