// Options of the data sets ([data] in a job file): which set (a name of the data registry), where it
// lives, subsets, normalisation, and the synthetic teacher's shape. Filled by jobs/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace curvlab {

struct DataOptions {
  std::string dataset = "fashion-mnist";  // a name of dataset_names() (engine/data/dataset.h)
  std::string root;                        // default per dataset (fashion-mnist: /usr/share/datasets/fashion-mnist)
  bool normalize = true;                   // per-channel mean/std from the training split
  std::int64_t train_subset = 0;           // 0 = whole split; else the first N samples
  std::int64_t test_subset = 0;
  // synthetic: a fixed random teacher network labels Gaussian inputs.
  std::int64_t synthetic_train = 2048;
  std::int64_t synthetic_test = 512;
  std::vector<std::int64_t> synthetic_shape = {1, 8, 8};  // C, H, W
  std::int64_t synthetic_classes = 4;
};

}  // namespace curvlab
