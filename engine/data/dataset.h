// In-memory data sets (inputs + labels as two tensors) and the registry that loads them by name.
// Not for: batching or sharding across ranks (engine/data/loader.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/data_options.h"

namespace curvlab {

// One split held in memory: inputs [N, C, H, W] float32 (normalized when asked), targets [N] int64
// (classification) or [N, outputs] float32 (regression: the flow data set).
struct Dataset {
  std::string name;
  torch::Tensor inputs;
  torch::Tensor targets;
  std::int64_t num_classes = 0;
  std::int64_t size() const { return targets.defined() ? targets.size(0) : 0; }
};

struct DataSplits {
  Dataset train;
  Dataset test;
  std::vector<std::int64_t> sample_shape;  // C, H, W
  std::int64_t num_classes = 0;
  std::vector<double> mean, stdev;         // per-channel normalization applied (empty when off)
};

// What a data set holds, read from file headers only (cheap; used by `curvlab validate`).
struct DatasetInfo {
  std::int64_t train_size = 0;             // after train_subset
  std::int64_t test_size = 0;              // after test_subset
  std::vector<std::int64_t> sample_shape;  // C, H, W
  std::int64_t num_classes = 0;
  std::vector<std::string> files;          // the files it reads
};

// Names accepted in [data] dataset.
const std::vector<std::string>& dataset_names();
// The default root directory for a data set ("" for synthetic).
std::string default_data_root(const std::string& dataset);
// Reads only headers; throws ConfigError (unknown name) or IoError (missing/bad files, naming the file).
DatasetInfo probe_dataset(const DataOptions& spec);
// Loads both splits (train subset first N, normalization from the train split).
DataSplits load_data(const DataOptions& spec, std::uint64_t seed);

}  // namespace curvlab
