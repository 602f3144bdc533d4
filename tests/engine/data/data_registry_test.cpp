// Tests of the data-set registry: names and roots, probing (sizes, shapes, errors that name the
// file and the fix), loading with subsets and normalization (checked against statistics computed
// here in double from the raw bytes), CIFAR-10 and synthetic data, and the real Fashion-MNIST
// files when the Debian package is installed.
#include "engine/data/dataset.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/data/data_test_files.h"
#include "base/error.h"

namespace curvlab {
namespace {

using testing::TempDir;

template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

DataOptions spec_for(const std::string& dataset, const std::string& root) {
  DataOptions s;
  s.dataset = dataset;
  s.root = root;
  return s;
}

TEST(DataRegistry, NamesAndRoots) {
  EXPECT_EQ(dataset_names(), (std::vector<std::string>{"fashion-mnist", "mnist", "cifar10", "synthetic", "flow"}));
  EXPECT_EQ(default_data_root("fashion-mnist"), "/usr/share/datasets/fashion-mnist");
  EXPECT_EQ(default_data_root("mnist"), "/usr/share/datasets/mnist");
  EXPECT_EQ(default_data_root("synthetic"), "");
  const std::string msg = error_of<ConfigError>([] { probe_dataset(spec_for("imagenet", "")); });
  EXPECT_NE(msg.find("\"imagenet\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("fashion-mnist, mnist, cifar10, synthetic"), std::string::npos) << msg;
}

TEST(DataRegistry, MissingFilesNameFileAndFix) {
  TempDir dir;
  std::string msg = error_of<IoError>([&] { probe_dataset(spec_for("fashion-mnist", dir.path())); });
  EXPECT_NE(msg.find(dir / "train-images-idx3-ubyte"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data.root"), std::string::npos) << msg;
  msg = error_of<IoError>([&] { probe_dataset(spec_for("cifar10", dir.path())); });
  EXPECT_NE(msg.find(dir / "data_batch_1.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data.root"), std::string::npos) << msg;
}

TEST(DataRegistry, BadHeaderAndCountMismatchAreIoErrors) {
  TempDir dir;
  testing::write_mnist_like(dir.path(), 20, 10, 6, 5, true);
  // Test labels that do not match the test images in number.
  testing::write_bytes(dir / "t10k-labels-idx1-ubyte.gz", testing::idx_bytes({9}, testing::pattern_bytes(9, 4, 10)),
                       true);
  std::string msg = error_of<IoError>([&] { probe_dataset(spec_for("mnist", dir.path())); });
  EXPECT_NE(msg.find("10 images"), std::string::npos) << msg;
  EXPECT_NE(msg.find("9 labels"), std::string::npos) << msg;
  // An image file with the label magic, written raw (preferred over the .gz).
  testing::write_bytes(dir / "train-images-idx3-ubyte", testing::idx_bytes({20}, testing::pattern_bytes(20, 4)), false);
  msg = error_of<IoError>([&] { probe_dataset(spec_for("mnist", dir.path())); });
  EXPECT_NE(msg.find(dir / "train-images-idx3-ubyte: bad magic"), std::string::npos) << msg;
}

TEST(DataRegistry, ProbeAndSubsets) {
  TempDir dir;
  testing::write_mnist_like(dir.path(), 30, 12, 6, 5, false);
  DataOptions s = spec_for("mnist", dir.path());
  DatasetInfo info = probe_dataset(s);
  EXPECT_EQ(info.train_size, 30);
  EXPECT_EQ(info.test_size, 12);
  EXPECT_EQ(info.sample_shape, (std::vector<std::int64_t>{1, 6, 5}));
  EXPECT_EQ(info.num_classes, 10);
  ASSERT_EQ(info.files.size(), 4u);
  EXPECT_EQ(info.files[0], dir / "train-images-idx3-ubyte");
  s.train_subset = 7;
  s.test_subset = 12;
  info = probe_dataset(s);
  EXPECT_EQ(info.train_size, 7);
  EXPECT_EQ(info.test_size, 12);
  s.train_subset = 31;
  const std::string msg = error_of<ConfigError>([&] { probe_dataset(s); });
  EXPECT_NE(msg.find("train_subset = 31 exceeds the 30 samples"), std::string::npos) << msg;
}

// Normalization against an independent computation: mean/std in double over the raw bytes / 255.
TEST(DataRegistry, LoadScalesAndNormalizesFromTrainSubset) {
  TempDir dir;
  const std::uint32_t n_train = 30, n_test = 12, h = 6, w = 5, sub = 17;
  testing::write_mnist_like(dir.path(), n_train, n_test, h, w, true);
  DataOptions s = spec_for("mnist", dir.path());
  s.train_subset = sub;
  DataSplits d = load_data(s, 0);
  ASSERT_EQ(d.train.inputs.sizes(), (std::vector<std::int64_t>{sub, 1, h, w}));
  ASSERT_EQ(d.test.inputs.sizes(), (std::vector<std::int64_t>{n_test, 1, h, w}));
  ASSERT_EQ(d.train.targets.scalar_type(), torch::kInt64);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.train.num_classes, 10);

  const auto train_px = testing::pattern_bytes(n_train * h * w, 1), test_px = testing::pattern_bytes(n_test * h * w, 3);
  const auto train_lb = testing::pattern_bytes(n_train, 2, 10);
  double sum = 0, sq = 0;
  const std::size_t count = sub * h * w;
  for (std::size_t i = 0; i < count; ++i) sum += train_px[i] / 255.0;
  const double mean = sum / count;
  for (std::size_t i = 0; i < count; ++i) sq += (train_px[i] / 255.0 - mean) * (train_px[i] / 255.0 - mean);
  const double sd = std::sqrt(sq / count);
  ASSERT_EQ(d.mean.size(), 1u);
  // The loader's statistics are of the float32 inputs: float rounding of byte / 255 (~3e-8) bounds the gap.
  EXPECT_NEAR(d.mean[0], mean, 1e-7);
  EXPECT_NEAR(d.stdev[0], sd, 1e-7);

  double max_diff = 0;
  const float* tr = d.train.inputs.data_ptr<float>();
  for (std::size_t i = 0; i < count; ++i) max_diff = std::max(max_diff, std::abs(tr[i] - (train_px[i] / 255.0 - mean) / sd));
  const float* te = d.test.inputs.data_ptr<float>();
  for (std::size_t i = 0; i < n_test * h * w; ++i) {
    max_diff = std::max(max_diff, std::abs(te[i] - (test_px[i] / 255.0 - mean) / sd));
  }
  EXPECT_LT(max_diff, 1e-5) << "max |normalized - expected| = " << max_diff;
  for (std::uint32_t i = 0; i < sub; ++i) EXPECT_EQ(d.train.targets[i].item<std::int64_t>(), train_lb[i]);

  s.normalize = false;
  DataSplits raw = load_data(s, 0);
  EXPECT_TRUE(raw.mean.empty());
  EXPECT_FLOAT_EQ(raw.train.inputs.max().item<float>(), *std::max_element(train_px.begin(), train_px.begin() + count) / 255.0f);
  EXPECT_GE(raw.train.inputs.min().item<float>(), 0.0f);
}

TEST(DataRegistry, Cifar10FromSubfolderWithPerChannelStats) {
  TempDir dir;
  const std::string sub = dir / "cifar-10-batches-bin";
  std::filesystem::create_directories(sub);
  for (int i = 1; i <= 5; ++i) {
    testing::write_bytes(sub + "/data_batch_" + std::to_string(i) + ".bin", testing::cifar_records(2, i), false);
  }
  testing::write_bytes(sub + "/test_batch.bin", testing::cifar_records(3, 9), false);
  DataOptions s = spec_for("cifar10", dir.path());
  DatasetInfo info = probe_dataset(s);
  EXPECT_EQ(info.train_size, 10);
  EXPECT_EQ(info.test_size, 3);
  EXPECT_EQ(info.sample_shape, (std::vector<std::int64_t>{3, 32, 32}));
  EXPECT_EQ(info.files.size(), 6u);
  s.train_subset = 5;
  DataSplits d = load_data(s, 0);
  ASSERT_EQ(d.train.inputs.sizes(), (std::vector<std::int64_t>{5, 3, 32, 32}));
  ASSERT_EQ(d.mean.size(), 3u);
  // After normalization each channel of the training subset has mean 0 and std 1.
  auto m = d.train.inputs.to(torch::kFloat64).mean({0, 2, 3});
  auto sd = d.train.inputs.to(torch::kFloat64).std({0, 2, 3}, /*unbiased=*/false);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(m[c].item<double>(), 0.0, 1e-6);
    EXPECT_NEAR(sd[c].item<double>(), 1.0, 1e-6);
  }
  EXPECT_NE(d.mean[0], d.mean[1]);  // statistics are per channel
}

TEST(DataRegistry, SyntheticIsDeterministicAndLabelledByTeacher) {
  DataOptions s = spec_for("synthetic", "");
  s.synthetic_train = 400;
  s.synthetic_test = 100;
  s.synthetic_shape = {2, 3, 4};
  s.synthetic_classes = 5;
  DatasetInfo info = probe_dataset(s);
  EXPECT_EQ(info.train_size, 400);
  EXPECT_EQ(info.sample_shape, (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_TRUE(info.files.empty());

  DataSplits a = load_data(s, 42), b = load_data(s, 42), c = load_data(s, 43);
  ASSERT_EQ(a.train.inputs.sizes(), (std::vector<std::int64_t>{400, 2, 3, 4}));
  ASSERT_EQ(a.test.targets.sizes(), (std::vector<std::int64_t>{100}));
  EXPECT_TRUE(a.train.inputs.equal(b.train.inputs));
  EXPECT_TRUE(a.train.targets.equal(b.train.targets));
  EXPECT_TRUE(a.test.targets.equal(b.test.targets));
  EXPECT_FALSE(a.train.inputs.equal(c.train.inputs));
  EXPECT_FALSE(a.train.inputs.narrow(0, 0, 100).equal(a.test.inputs));
  // Every class occurs (the teacher's logits are centred on the training set).
  auto counts = torch::bincount(a.train.targets, {}, 5);
  EXPECT_GT(counts.min().item<std::int64_t>(), 400 / (5 * 4)) << counts;
  EXPECT_LT(a.train.targets.max().item<std::int64_t>(), 5);
  // The labels are a function of the inputs: equal inputs in a subset give equal labels.
  s.train_subset = 50;
  DataSplits sub = load_data(s, 42);
  EXPECT_TRUE(sub.train.targets.equal(a.train.targets.narrow(0, 0, 50)));

  s.synthetic_shape = {1, 8};
  EXPECT_THROW(probe_dataset(s), ConfigError);
}

TEST(DataRegistry, RealFashionMnist) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  }
  DataOptions s;  // defaults: fashion-mnist at its default root
  DatasetInfo info = probe_dataset(s);
  EXPECT_EQ(info.train_size, 60000);
  EXPECT_EQ(info.test_size, 10000);
  EXPECT_EQ(info.sample_shape, (std::vector<std::int64_t>{1, 28, 28}));
  s.train_subset = 2000;
  s.test_subset = 500;
  DataSplits d = load_data(s, 0);
  ASSERT_EQ(d.train.inputs.sizes(), (std::vector<std::int64_t>{2000, 1, 28, 28}));
  EXPECT_EQ(torch::bincount(d.train.targets, {}, 10).min().item<std::int64_t>() > 100, true);
  EXPECT_NEAR(d.train.inputs.mean().item<double>(), 0.0, 1e-5);
  // Fashion-MNIST's well-known statistics: mean 0.286, std 0.353 (whole training set).
  EXPECT_NEAR(d.mean[0], 0.286, 0.01);
  EXPECT_NEAR(d.stdev[0], 0.353, 0.01);
}

}  // namespace
}  // namespace curvlab
