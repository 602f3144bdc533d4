// StateReader over an HDF5 file opened read-only. Reads what Hdf5StateWriter writes and also
// plain HDF5 from h5py (numeric datasets without a "torch_dtype" attribute, fixed-length
// strings, h5py's bool enum). Every error names the file, the state path and what was expected.
// Beyond StateReader it lists datasets, reads their raw checksum records and the root
// attributes, for verification (state_file.cpp) and `curvlab inspect` (inspect.cpp).
// Before HDF5 sees a file, the constructor checks curvlab's integrity header (state_header.h); a
// file without one (an older curvlab's, h5py's) is first walked completely in a separate process
// (isolated_probe.h), and refused with an IoError if HDF5 crashes there.
// Not for: checksum policy (open_state_file verifies) or writing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/checkpoint/hdf5_handle.h"
#include "engine/checkpoint/state_checksum.h"
#include "base/state_io.h"

namespace curvlab {

// One dataset as it enters the checksum (see state_checksum.h).
struct DatasetRecord {
  std::string dtype;                 // torch_dtype attribute, else the HDF5 type's name
  std::vector<std::int64_t> shape;   // empty for a scalar
  std::vector<unsigned char> bytes;  // little-endian elements, or the string's UTF-8 bytes
};

class Hdf5StateReader : public StateReader {
 public:
  // Opens `path` read-only. Throws IoError when it does not exist, is truncated, corrupted or not
  // HDF5 (its header does not verify), or has no header and crashes HDF5 in the probe.
  // `kind` is how messages call the file ("state file", "checkpoint").
  explicit Hdf5StateReader(const std::string& path, const std::string& kind = "state file");
  // Out of line, so users of this header need no HDF5 symbols (only curvlab_core links HDF5).
  ~Hdf5StateReader() override;

  bool has(const std::string& path) const override;
  std::vector<std::string> children(const std::string& group) const override;
  torch::Tensor read_tensor(const std::string& path) const override;
  std::int64_t read_int(const std::string& path) const override;
  double read_double(const std::string& path) const override;
  std::string read_string(const std::string& path) const override;

  const std::string& file_path() const { return path_; }
  bool is_group(const std::string& path) const;
  bool is_dataset(const std::string& path) const;
  // Every dataset in the file, normalized ("model/fc.weight"), sorted.
  std::vector<std::string> dataset_paths() const;
  // dtype tag, shape and (for strings) nothing else: cheap metadata of one dataset.
  DatasetRecord describe(const std::string& path) const;
  // describe() plus the raw bytes: reads the whole dataset.
  DatasetRecord read_record(const std::string& path) const;
  // Recomputes the checksum by reading every dataset.
  StateChecksum compute_checksum() const;
  // The root group's scalar string attributes (others are skipped).
  std::map<std::string, std::string> root_attributes() const;
  // Byte offset of a contiguous dataset's data in the file; nullopt when it has none (empty,
  // compact or chunked). Lets tests and tools locate data on disk.
  std::optional<std::uint64_t> data_file_offset(const std::string& path) const;

 private:
  struct Unchecked {};
  // Opens `path` with HDF5 without the header check or the probe: what the probe's child reads.
  Hdf5StateReader(const std::string& path, const std::string& kind, Unchecked);
  void open_hdf5();
  // For a file without the header: walk_everything() in a child process; IoError if it crashes.
  void probe_unframed(std::int64_t file_size) const;
  // Every read this class offers, on every group and dataset, errors ignored; no LibTorch calls
  // (they may start threads, which a forked child must not).
  void walk_everything() const;
  // read_tensor's HDF5 side: checks, then H5Dread into alloc(shape, stored dtype) (not called when
  // there are no elements). Returns the dtype the tensor is to have.
  using TensorAlloc = std::function<void*(const std::vector<std::int64_t>&, torch::Dtype)>;
  torch::Dtype read_tensor_data(const std::string& path, const TensorAlloc& alloc) const;
  // Opens an existing dataset; throws IoError saying it expected `expected` otherwise.
  H5Dataset open_dataset(const std::string& path, const std::string& expected) const;
  std::string where(const std::string& path) const;  // "'path' in state file 'file'"

  std::string path_;
  std::string kind_;
  H5File file_;
};

}  // namespace curvlab
