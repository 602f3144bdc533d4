// check_job_resources: data files present, subsets and batch size that fit the data set; each
// error is a ConfigError pointing at the key to change.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "engine/data/dataset.h"
#include "base/error.h"
#include "jobs/job_parser.h"
#include "jobs/job_resources.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

// An empty directory that is removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("curvlab_jobs_" + std::to_string(::getpid()) + "_" +
                                         std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

// The ConfigError message of check_job_resources on `text`, or a marker that fails expectations.
std::string resource_error(const std::string& text) {
  const JobSpec spec = parse_job_text(text, "job.toml");
  try {
    check_job_resources(spec);
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not a ConfigError: ") + e.what() + ">";
  }
  return "<no error>";
}

void expect_contains(const std::string& message, const std::vector<std::string>& parts) {
  for (const auto& p : parts) {
    EXPECT_NE(message.find(p), std::string::npos) << "message:  " << message << "\nexpected: " << p;
  }
}

const std::string kSynthetic =
    "[job]\noutput_dir = \"o\"\n[data]\ndataset = \"synthetic\"\nsynthetic_train = 100\n";

TEST(JobResources, SyntheticJobThatFitsPasses) {
  const JobSpec spec = parse_job_text(kSynthetic + "[train]\nbatch_size = 100\n", "job.toml");
  EXPECT_NO_THROW(check_job_resources(spec));
}

TEST(JobResources, BatchLargerThanTrainingSet) {
  expect_contains(resource_error(kSynthetic + "[train]\nbatch_size = 200\n"),
                  {"job.toml:7:14: train.batch_size must be <= the training set size, 100 samples "
                   "(data.synthetic_train), got 200"});
}

TEST(JobResources, BatchLargerThanTrainingSubset) {
  expect_contains(resource_error(kSynthetic + "train_subset = 50\n[train]\nbatch_size = 64\n"),
                  {"job.toml:8:14: train.batch_size must be <= the training set size, 50 samples "
                   "(data.train_subset), got 64"});
}

TEST(JobResources, TrainSubsetLargerThanSplit) {
  expect_contains(resource_error(kSynthetic + "train_subset = 200\n[train]\nbatch_size = 10\n"),
                  {"job.toml:6:16: data.train_subset must be <= 100, the size of the synthetic "
                   "training split (got 200"});
}

TEST(JobResources, TestSubsetLargerThanSplit) {
  expect_contains(resource_error(kSynthetic + "synthetic_test = 20\ntest_subset = 30\n"
                                              "[train]\nbatch_size = 10\n"),
                  {"job.toml:7:15: data.test_subset must be <= 20"});
}

TEST(JobResources, MissingFashionMnistFilesNameFileAndFix) {
  TempDir empty;
  const std::string message =
      resource_error("[job]\noutput_dir = \"o\"\n[data]\ndataset = \"fashion-mnist\"\nroot = \"" +
                     empty.str() + "\"\n");
  expect_contains(message, {"job.toml:5:8: cannot read the fashion-mnist data set under '" +
                                empty.str() + "'",
                            "train-images-idx3-ubyte", "dataset-fashion-mnist", "data.root"});
}

TEST(JobResources, MissingDataFilesWithDefaultRootPointAtDataset) {
  TempDir empty;
  // mnist has no package, so its default root is (normally) absent: the error points at data.dataset.
  if (fs::exists(default_data_root("mnist"))) GTEST_SKIP() << "MNIST is installed here";
  expect_contains(resource_error("[job]\noutput_dir = \"o\"\n[data]\ndataset = \"mnist\"\n"),
                  {"job.toml:4:11: cannot read the mnist data set", "data.root"});
}

TEST(JobResources, MissingCifarFiles) {
  TempDir empty;
  expect_contains(resource_error("[job]\noutput_dir = \"o\"\n[data]\ndataset = \"cifar10\"\nroot = \"" +
                                 empty.str() + "\"\n"),
                  {"job.toml:5:8: cannot read the cifar10 data set", empty.str(), "data.root"});
}

TEST(JobResources, InstalledFashionMnistFitsTheDefaultJob) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const JobSpec spec = load_job_file(CURVLAB_SOURCE_DIR "/examples/default.toml");
  EXPECT_NO_THROW(check_job_resources(spec));
  expect_contains(resource_error("[job]\noutput_dir = \"o\"\n[train]\nbatch_size = 60001\n"),
                  {"job.toml:4:14: train.batch_size must be <= the training set size, 60000 samples "
                   "(the fashion-mnist training split), got 60001"});
}

TEST(JobResources, ParserNamesMatchTheDataRegistry) {
  EXPECT_EQ(allowed_values("data.dataset"), dataset_names());
}

}  // namespace
}  // namespace curvlab
