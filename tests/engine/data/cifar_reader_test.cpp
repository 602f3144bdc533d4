// Tests of the CIFAR-10 binary reader on small files written in exactly that format: folder
// lookup (root or cifar-10-batches-bin), pixel layout, limits across files, and errors.
#include "engine/data/cifar_reader.h"

#include <gtest/gtest.h>

#include "engine/data/data_test_files.h"
#include "base/error.h"

namespace curvlab {
namespace {

using testing::TempDir;

// Writes data_batch_1..5.bin with `counts` records and test_batch.bin with `test` records into dir.
std::vector<std::vector<std::uint8_t>> write_cifar(const std::string& dir, const std::vector<std::size_t>& counts,
                                                   std::size_t test) {
  std::filesystem::create_directories(dir);
  std::vector<std::vector<std::uint8_t>> files;
  for (std::size_t i = 0; i < 5; ++i) {
    files.push_back(testing::cifar_records(counts[i], 10 + i));
    testing::write_bytes(dir + "/data_batch_" + std::to_string(i + 1) + ".bin", files.back(), false);
  }
  files.push_back(testing::cifar_records(test, 20));
  testing::write_bytes(dir + "/test_batch.bin", files.back(), false);
  return files;
}

TEST(CifarReader, FindsFolderInRootOrSubfolder) {
  TempDir a, b, empty;
  write_cifar(a.path(), {1, 1, 1, 1, 1}, 1);
  write_cifar(b / "cifar-10-batches-bin", {1, 1, 1, 1, 1}, 1);
  EXPECT_EQ(cifar10_dir(a.path()), a.path());
  EXPECT_EQ(cifar10_dir(b.path()), b / "cifar-10-batches-bin");
  EXPECT_EQ(cifar10_dir(empty.path()), "");
  EXPECT_EQ(cifar10_files(a.path(), false), std::vector<std::string>{a / "test_batch.bin"});
  EXPECT_EQ(cifar10_files(a.path(), true).size(), 5u);
  EXPECT_EQ(cifar10_files(a.path(), true)[4], a / "data_batch_5.bin");
}

TEST(CifarReader, LayoutAndLimitsAcrossFiles) {
  TempDir dir;
  const std::vector<std::size_t> counts = {3, 2, 2, 2, 1};
  const auto bytes = write_cifar(dir.path(), counts, 4);
  const auto files = cifar10_files(dir.path(), true);
  EXPECT_EQ(cifar10_records(files[0]), 3);

  CifarSplit all = read_cifar10(files);
  ASSERT_EQ(all.images.sizes(), (std::vector<std::int64_t>{10, 3, 32, 32}));
  ASSERT_EQ(all.labels.sizes(), (std::vector<std::int64_t>{10}));
  ASSERT_EQ(all.labels.scalar_type(), torch::kInt64);
  // Record r of the concatenation: label byte, then channel-major 32x32 planes.
  std::int64_t r = 0;
  for (std::size_t f = 0; f < 5; ++f) {
    for (std::size_t k = 0; k < counts[f]; ++k, ++r) {
      const std::uint8_t* rec = bytes[f].data() + k * 3073;
      EXPECT_EQ(all.labels[r].item<std::int64_t>(), rec[0]) << "record " << r;
      for (int c : {0, 2}) {
        for (auto [y, x] : {std::pair{0, 0}, std::pair{5, 31}, std::pair{31, 7}}) {
          EXPECT_EQ(all.images[r][c][y][x].item<std::uint8_t>(), rec[1 + c * 1024 + y * 32 + x])
              << "record " << r << " c " << c << " y " << y << " x " << x;
        }
      }
    }
  }
  CifarSplit four = read_cifar10(files, 4);  // crosses from file 1 into file 2
  EXPECT_TRUE(four.images.equal(all.images.narrow(0, 0, 4)));
  EXPECT_TRUE(four.labels.equal(all.labels.narrow(0, 0, 4)));
}

TEST(CifarReader, BadSizeAndLabelsAreIoErrors) {
  TempDir dir;
  auto rec = testing::cifar_records(2, 1);
  rec.pop_back();
  testing::write_bytes(dir / "short.bin", rec, false);
  try {
    cifar10_records(dir / "short.bin");
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "short.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("multiple of the 3073"), std::string::npos) << e.what();
  }
  auto bad = testing::cifar_records(3, 1);
  bad[3073] = 57;  // label of record 1
  testing::write_bytes(dir / "bad.bin", bad, false);
  try {
    read_cifar10({dir / "bad.bin"});
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("record 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("label 57"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cifar10_records(dir / "absent.bin"), IoError);
}

}  // namespace
}  // namespace curvlab
