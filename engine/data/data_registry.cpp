// The data-set registry: names, default roots, header-only probing and loading of both splits
// (subsets, scaling to [0, 1], per-channel normalization from the training split).
#include "engine/data/dataset.h"

#include "engine/data/cifar_reader.h"
#include "engine/data/flow_data.h"
#include "engine/data/idx_reader.h"
#include "engine/data/preprocess.h"
#include "engine/data/synthetic.h"
#include "base/error.h"

namespace curvlab {
namespace {

constexpr std::int64_t kIdxClasses = 10;

struct IdxFiles {
  std::string train_images, train_labels, test_images, test_labels;
};

bool is_idx(const std::string& name) { return name == "fashion-mnist" || name == "mnist"; }

std::string root_of(const DataOptions& spec) {
  return spec.root.empty() ? default_data_root(spec.dataset) : spec.root;
}

// How to get the files of a data set (appended to I/O error messages).
std::string fix_hint(const std::string& dataset) {
  if (dataset == "fashion-mnist") {
    return "install the Debian package dataset-fashion-mnist (sudo scripts/setup.sh) or set data.root";
  }
  if (dataset == "mnist") {
    return "download the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
           "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into " + default_data_root("mnist") +
           " or set data.root";
  }
  return "download the CIFAR-10 binary version (cifar-10-binary.tar.gz from "
         "https://www.cs.toronto.edu/~kriz/cifar.html), extract it into " + default_data_root("cifar10") +
         " or set data.root";
}

// Runs f; an IoError it throws gets the data set's fix hint appended (file and line kept).
template <typename F>
auto with_hint(const std::string& dataset, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const IoError& e) {
    throw IoError(std::string(e.what()) + "; " + fix_hint(dataset), e.file().c_str(), e.line());
  }
}

IdxFiles find_idx_files(const DataOptions& spec) {
  const std::string root = root_of(spec);
  auto find = [&](const std::string& base) {
    const std::string p = find_idx_file(root, base);
    CURVLAB_CHECK(!p.empty(), IoError,
                  spec.dataset + ": missing " + root + "/" + base + " (or " + base + ".gz); " + fix_hint(spec.dataset));
    return p;
  };
  return {find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte"), find("t10k-images-idx3-ubyte"),
          find("t10k-labels-idx1-ubyte")};
}

std::string cifar_dir_checked(const DataOptions& spec) {
  const std::string root = root_of(spec);
  const std::string dir = cifar10_dir(root);
  CURVLAB_CHECK(!dir.empty(), IoError,
                "cifar10: missing " + root + "/data_batch_1.bin (also looked in " + root +
                    "/cifar-10-batches-bin); " + fix_hint("cifar10"));
  return dir;
}

// Number of samples a split keeps after its subset setting (ConfigError when it asks too many).
std::int64_t subset_size(const DataOptions& spec, const char* key, std::int64_t subset, std::int64_t available) {
  CURVLAB_CHECK(subset >= 0, ConfigError, std::string("data.") + key + " must be >= 0 (0 = whole split)");
  CURVLAB_CHECK(subset <= available, ConfigError,
                std::string("data.") + key + " = " + std::to_string(subset) + " exceeds the " +
                    std::to_string(available) + " samples of " + spec.dataset + "; use at most " +
                    std::to_string(available) + " (or 0 for all)");
  return subset > 0 ? subset : available;
}

void check_name(const std::string& name) {
  for (const auto& n : dataset_names()) {
    if (n == name) return;
  }
  std::string list;
  for (const auto& n : dataset_names()) list += (list.empty() ? "" : ", ") + n;
  CURVLAB_THROW(ConfigError, "unknown data.dataset \"" + name + "\"; allowed: " + list);
}

// Header of one IDX split, with the image/label count check.
std::pair<IdxHeader, IdxHeader> idx_split_headers(const std::string& images, const std::string& labels) {
  IdxHeader hi = read_idx_header(images, 3);
  IdxHeader hl = read_idx_header(labels, 1);
  CURVLAB_CHECK(hi.dims[0] == hl.dims[0], IoError,
                images + " holds " + std::to_string(hi.dims[0]) + " images but " + labels + " holds " +
                    std::to_string(hl.dims[0]) + " labels: the files do not belong together");
  return {hi, hl};
}

Dataset idx_split(const std::string& name, const std::string& images, const std::string& labels, std::int64_t n) {
  Dataset d;
  d.name = name;
  auto img = read_idx_u8(images, 3, n);
  d.inputs = to_unit_float(img.unsqueeze(1));
  d.targets = read_idx_u8(labels, 1, n).to(torch::kInt64);
  d.num_classes = kIdxClasses;
  const std::int64_t bad = d.targets.ge(kIdxClasses).sum().item<std::int64_t>();
  CURVLAB_CHECK(bad == 0, IoError,
                labels + ": " + std::to_string(bad) + " labels are >= 10: not an MNIST-style label file");
  return d;
}

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> kNames = {"fashion-mnist", "mnist", "cifar10", "synthetic", "flow"};
  return kNames;
}

std::string default_data_root(const std::string& dataset) {
  check_name(dataset);
  if (dataset == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (dataset == "mnist") return "/usr/share/datasets/mnist";
  if (dataset == "cifar10") return "/usr/share/datasets/cifar10";
  return "";
}

DatasetInfo probe_dataset(const DataOptions& spec) {
  check_name(spec.dataset);
  DatasetInfo info;
  std::int64_t train_available = 0, test_available = 0;
  if (spec.dataset == "synthetic") {
    check_synthetic_spec(spec);
    train_available = spec.synthetic_train;
    test_available = spec.synthetic_test;
    info.sample_shape = spec.synthetic_shape;
    info.num_classes = spec.synthetic_classes;
  } else if (spec.dataset == "flow") {
    const FlowFileInfo f = probe_flow_file(spec.flow);
    train_available = spec.flow.train_snapshots;
    test_available = spec.flow.test_snapshots;
    CURVLAB_CHECK(train_available + test_available <= f.snapshots, ConfigError,
                  "data.flow: " + std::to_string(train_available) + " training + " + std::to_string(test_available) +
                      " test snapshots asked for, but " + spec.flow.file + " holds " + std::to_string(f.snapshots) +
                      "; lower them or simulate more snapshots (simulate.snapshots)");
    info.sample_shape = {1, 1, spec.flow.sensors.count};  // the sensor readings
    info.num_classes = f.height * f.width;                // regression: the outputs, one per pixel
    info.files = {spec.flow.file};
  } else if (is_idx(spec.dataset)) {
    const IdxFiles f = find_idx_files(spec);
    with_hint(spec.dataset, [&] {
      auto train = idx_split_headers(f.train_images, f.train_labels);
      auto test = idx_split_headers(f.test_images, f.test_labels);
      CURVLAB_CHECK(train.first.dims[1] == test.first.dims[1] && train.first.dims[2] == test.first.dims[2], IoError,
                    f.train_images + " and " + f.test_images + " hold images of different sizes");
      train_available = train.first.dims[0];
      test_available = test.first.dims[0];
      info.sample_shape = {1, train.first.dims[1], train.first.dims[2]};
      return 0;
    });
    info.num_classes = kIdxClasses;
    info.files = {f.train_images, f.train_labels, f.test_images, f.test_labels};
  } else {
    const std::string dir = cifar_dir_checked(spec);
    info.files = cifar10_files(dir, true);
    info.files.push_back(cifar10_files(dir, false)[0]);
    with_hint(spec.dataset, [&] {
      for (size_t i = 0; i < info.files.size(); ++i) {
        (i + 1 < info.files.size() ? train_available : test_available) += cifar10_records(info.files[i]);
      }
      return 0;
    });
    info.sample_shape = {kCifarChannels, kCifarSide, kCifarSide};
    info.num_classes = kCifarClasses;
  }
  info.train_size = subset_size(spec, "train_subset", spec.train_subset, train_available);
  info.test_size = subset_size(spec, "test_subset", spec.test_subset, test_available);
  return info;
}

DataSplits load_data(const DataOptions& spec, std::uint64_t seed) {
  const DatasetInfo info = probe_dataset(spec);
  DataSplits out;
  out.sample_shape = info.sample_shape;
  out.num_classes = info.num_classes;
  if (spec.dataset == "synthetic") {
    SyntheticSplits s = make_synthetic(spec, seed);
    out.train = {spec.dataset, s.train_inputs.narrow(0, 0, info.train_size).contiguous(),
                 s.train_targets.narrow(0, 0, info.train_size).contiguous(), info.num_classes};
    out.test = {spec.dataset, s.test_inputs.narrow(0, 0, info.test_size).contiguous(),
                s.test_targets.narrow(0, 0, info.test_size).contiguous(), info.num_classes};
  } else if (spec.dataset == "flow") {
    // Regression targets: inputs [N, 1, 1, s] readings, targets [N, H*W] fields (mean removed).
    const FlowData f = load_flow_data(spec.flow);
    const auto as_split = [&](const torch::Tensor& x, const torch::Tensor& y, std::int64_t n) {
      return Dataset{spec.dataset, x.narrow(0, 0, n).reshape({n, 1, 1, x.size(1)}).contiguous(),
                     y.narrow(0, 0, n).contiguous(), info.num_classes};
    };
    out.train = as_split(f.train_readings, f.train, info.train_size);
    out.test = as_split(f.test_readings, f.test, info.test_size);
    return out;  // data.normalize does not apply: the per-pixel training mean is already removed
  } else if (is_idx(spec.dataset)) {
    with_hint(spec.dataset, [&] {
      const auto& f = info.files;
      out.train = idx_split(spec.dataset, f[0], f[1], info.train_size);
      out.test = idx_split(spec.dataset, f[2], f[3], info.test_size);
      return 0;
    });
  } else {
    with_hint(spec.dataset, [&] {
      const std::vector<std::string> train_files(info.files.begin(), info.files.end() - 1);
      CifarSplit train = read_cifar10(train_files, info.train_size);
      CifarSplit test = read_cifar10({info.files.back()}, info.test_size);
      out.train = {spec.dataset, to_unit_float(train.images), train.labels, info.num_classes};
      out.test = {spec.dataset, to_unit_float(test.images), test.labels, info.num_classes};
      return 0;
    });
  }
  if (spec.normalize) {
    channel_stats(out.train.inputs, &out.mean, &out.stdev);
    normalize_channels(out.train.inputs, out.mean, out.stdev);
    normalize_channels(out.test.inputs, out.mean, out.stdev);
  }
  return out;
}

}  // namespace curvlab
