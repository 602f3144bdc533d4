// The synthetic data set: Gaussian inputs labelled by a fixed random teacher network, for tests
// and quick studies that need no files. Deterministic for a given job seed.
// Not for: normalization or subsets (data_registry.cpp applies those as for every data set).
//
// Teacher: flatten x [D], h = tanh(W1 x) with W1 [kTeacherHidden, D] ~ N(0, 1/D), logits = W2 h + b
// with W2 [K, kTeacherHidden] ~ N(0, 1/kTeacherHidden) and b = minus the mean training logits (so
// the classes are roughly balanced); label = argmax(logits). Streams: derive_seed(seed,
// "synthetic-teacher"), "synthetic-train", "synthetic-test".
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "engine/data/data_options.h"

namespace curvlab {

constexpr std::int64_t kTeacherHidden = 32;

struct SyntheticSplits {
  torch::Tensor train_inputs, test_inputs;    // float32 [N, C, H, W], standard normal
  torch::Tensor train_targets, test_targets;  // int64 [N] in [0, classes)
};

// Builds synthetic_train / synthetic_test samples of shape synthetic_shape with synthetic_classes
// classes. Throws ConfigError for a bad shape, size or class count.
SyntheticSplits make_synthetic(const DataOptions& spec, std::uint64_t seed);

// Checks the synthetic settings of a spec (shape of 3 positive sizes, >= 1 sample, >= 2 classes).
void check_synthetic_spec(const DataOptions& spec);

}  // namespace curvlab
