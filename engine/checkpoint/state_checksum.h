// The checksum of a curvlab state file: one CRC32 (zlib's) over the records of all datasets,
// concatenated in sorted path order. A record is
//   path "\0" dtype "\0" shape "\0" raw-bytes
// where path has no leading "/", dtype is the dataset's tag ("float32", "bool", "string", ...;
// the torch_dtype attribute when present), shape is the dims joined by "," ("" for a scalar) and
// raw-bytes are the stored elements in little-endian order (UTF-8 bytes for strings).
// Records may be added in any order (each is hashed once, then combined with crc32_combine), so
// the writer hashes tensors as it writes them and never re-reads the file.
// Not for: reading files (hdf5_state_reader.h) or deciding what a mismatch means (state_file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace curvlab {

class StateChecksum {
 public:
  // Adds one dataset's record. Throws IoError when the same path is added twice.
  void add(const std::string& path, const std::string& dtype,
           const std::vector<std::int64_t>& shape,
           const void* data, std::size_t nbytes);
  // CRC32 of all records in sorted path order.
  std::uint32_t value() const;
  std::size_t datasets() const { return records_.size(); }

 private:
  struct Record {
    std::uint32_t crc;
    std::uint64_t length;
  };
  std::map<std::string, Record> records_;
};

// "1a2b3c4d": the form stored in the root attribute "checksum_crc32" (8 lowercase hex digits).
std::string format_crc32(std::uint32_t crc);
// "2,3,4" ("" for a scalar): the shape as it enters the checksum record.
std::string shape_key(const std::vector<std::int64_t>& shape);

}  // namespace curvlab
