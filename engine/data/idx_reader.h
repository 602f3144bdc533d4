// Reader of IDX files (the MNIST / Fashion-MNIST format of unsigned bytes), raw or gzip-compressed.
// Not for: choosing which files a data set uses (data_registry.cpp) or scaling pixels (preprocess.h).
//
// Format: 4 magic bytes 0x00 0x00 0x08 <ndims>, then ndims big-endian int32 sizes, then the
// payload: prod(sizes) unsigned bytes, record after record (the first size counts records).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace curvlab {

struct IdxHeader {
  std::vector<std::int64_t> dims;  // e.g. {60000, 28, 28} for images, {60000} for labels
  std::int64_t payload_bytes() const;
  std::int64_t record_bytes() const;  // prod(dims[1:])
};

// "<dir>/<base>" when it exists, else "<dir>/<base>.gz" when that exists, else "".
std::string find_idx_file(const std::string& dir, const std::string& base);

// Reads and checks the header of an IDX file of unsigned bytes with `ndims` dimensions, and,
// cheaply, that the payload has the length the header implies (from the file size, or from the
// gzip trailer for .gz files; a gzip file of several members, which the data sets never use,
// would fail this check). Throws IoError naming the file and what is wrong.
IdxHeader read_idx_header(const std::string& path, int ndims);

// The first `limit` records (0 = all) as uint8 [n, dims[1:]...]. Throws IoError (bad magic,
// truncated file, trailing bytes after the payload when reading all records).
torch::Tensor read_idx_u8(const std::string& path, int ndims, std::int64_t limit = 0);

}  // namespace curvlab
