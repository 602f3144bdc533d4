// Options of the data sets ([data] in a job file): which set (a name of the data registry), where it
// lives, subsets, normalisation, and the synthetic teacher's shape. Filled by jobs/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/flow/sensor_options.h"

namespace curvlab {

// [data.flow]: snapshots of a flow.h5 (written by the simulate job, docs/flow.md) as a regression
// data set: inputs are the readings of point sensors, targets the whole field, both with the
// per-pixel training mean removed. Split by time: the first train_snapshots, then test_snapshots.
struct FlowDataOptions {
  std::string file;                        // path of a flow.h5 (required for dataset = "flow")
  std::string field = "vorticity";         // vorticity | ux | uy
  // nondimensional: vorticity x D / U, velocities / U (the paper's data are non-dimensional; the
  // scale matters to the decoder's training through weight decay); lattice: as stored in the file.
  std::string units = "nondimensional";    // nondimensional | lattice
  std::int64_t train_snapshots = 100;
  std::int64_t test_snapshots = 51;        // the snapshots right after the training ones
  SensorOptions sensors;                   // count, placement, seed, wall_distance
};

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
  FlowDataOptions flow;                    // dataset = "flow"
};

}  // namespace curvlab
