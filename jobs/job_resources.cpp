// Checks of a parsed job against the disk: the data set's files and sizes (headers only).
#include "jobs/job_resources.h"

#include "engine/data/dataset.h"
#include "base/error.h"

namespace curvlab {
namespace {

// How to get the files of a data set, for the message when they are missing.
std::string data_fix(const DataOptions& data) {
  if (data.dataset == "fashion-mnist") {
    return "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist, "
           "files under /usr/share/datasets/fashion-mnist) or set data.root to a directory holding "
           "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] "
           "and t10k-labels-idx1-ubyte[.gz]";
  }
  if (data.dataset == "mnist") {
    return "set data.root to a directory holding the MNIST IDX files train-images-idx3-ubyte[.gz], "
           "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]";
  }
  if (data.dataset == "cifar10") {
    return "set data.root to the directory of the CIFAR-10 binary version (data_batch_1.bin ... "
           "data_batch_5.bin, test_batch.bin; the archive cifar-10-binary.tar.gz from "
           "https://www.cs.toronto.edu/~kriz/cifar.html, unpacked)";
  }
  return "check the [data] section";
}

void throw_at(const JobSpec& spec, const std::string& key, const std::string& message) {
  const std::string prefix = spec.where(key).str();
  CURVLAB_THROW(ConfigError, prefix.empty() ? message : prefix + ": " + message);
}

}  // namespace

void check_job_resources(const JobSpec& spec) {
  if (spec.job.kind == "simulate") return;  // the lattice reads no data set (its guards run at parse time)
  const DataOptions& data = spec.data;
  // Probe the whole splits, so that a subset larger than the split is reported as such.
  DataOptions whole = data;
  whole.train_subset = 0;
  whole.test_subset = 0;
  const bool flow = data.dataset == "flow";
  const std::string data_key = flow                               ? "data.flow.file"
                               : spec.locations.count("data.root") ? "data.root"
                                                                   : "data.dataset";
  DatasetInfo info;
  try {
    info = probe_dataset(whole);
  } catch (const IoError& e) {
    // probe_dataset names the missing file and usually the fix; add ours when it does not.
    const std::string message = e.what();
    const bool mentions_fix = flow || message.find("data.root") != std::string::npos;  // flow: names the fix
    const std::string root = data.root.empty() ? default_data_root(data.dataset) : data.root;
    throw_at(spec, data_key,
             "cannot read the " + data.dataset + " data set" +
                 (root.empty() ? std::string() : " under '" + root + "'") + ": " + message +
                 (mentions_fix ? std::string() : "; fix: " + data_fix(data)));
  } catch (const ConfigError& e) {
    throw_at(spec, data_key, e.what());
  }

  const bool synthetic = data.dataset == "synthetic";
  if (data.train_subset > info.train_size) {
    throw_at(spec, "data.train_subset",
             "data.train_subset must be <= " + std::to_string(info.train_size) + ", the size of the " +
                 data.dataset + " training split (got " + std::to_string(data.train_subset) +
                 "; 0 = the whole split)");
  }
  if (data.test_subset > info.test_size) {
    throw_at(spec, "data.test_subset",
             "data.test_subset must be <= " + std::to_string(info.test_size) + ", the size of the " +
                 data.dataset + " test split (got " + std::to_string(data.test_subset) +
                 "; 0 = the whole split)");
  }
  const std::int64_t train_size = data.train_subset > 0 ? data.train_subset : info.train_size;
  if (spec.train.batch_size > train_size) {
    const std::string source = data.train_subset > 0 ? "data.train_subset"
                               : synthetic          ? "data.synthetic_train"
                                                    : "the " + data.dataset + " training split";
    throw_at(spec, "train.batch_size",
             "train.batch_size must be <= the training set size, " + std::to_string(train_size) +
                 " samples (" + source + "), got " + std::to_string(spec.train.batch_size) +
                 "; lower train.batch_size or use more training data");
  }
}

}  // namespace curvlab
