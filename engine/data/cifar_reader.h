// Reader of CIFAR-10's binary version: data_batch_1..5.bin (train) and test_batch.bin (test),
// each a sequence of records of 1 label byte + 3072 pixel bytes (1024 red, 1024 green, 1024 blue,
// each 32x32 row-major). The files may sit in root or in root/cifar-10-batches-bin.
// Not for: scaling or normalizing pixels (preprocess.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace curvlab {

constexpr std::int64_t kCifarChannels = 3;
constexpr std::int64_t kCifarSide = 32;
constexpr std::int64_t kCifarRecordBytes = 1 + kCifarChannels * kCifarSide * kCifarSide;
constexpr std::int64_t kCifarClasses = 10;

// The folder that holds the batch files: root if root/data_batch_1.bin exists, else
// root/cifar-10-batches-bin if that has it, else "".
std::string cifar10_dir(const std::string& root);
// The files of a split inside that folder (train: data_batch_1..5.bin; test: test_batch.bin).
std::vector<std::string> cifar10_files(const std::string& dir, bool train);
// Number of records in a file, from its size; throws IoError when it is missing or its size is
// not a multiple of 3073 bytes.
std::int64_t cifar10_records(const std::string& path);

struct CifarSplit {
  torch::Tensor images;  // uint8 [N, 3, 32, 32]
  torch::Tensor labels;  // int64 [N]
};
// Reads the first `limit` records (0 = all) of the files, in order. Throws IoError (missing,
// truncated, label byte >= 10).
CifarSplit read_cifar10(const std::vector<std::string>& files, std::int64_t limit = 0);

}  // namespace curvlab
