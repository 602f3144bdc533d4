// StateWriter into an open HDF5 file: "a/b/c" creates groups a and a/b on demand and the
// dataset c. Tensors keep dtype and shape (a "torch_dtype" attribute records the dtype; 0-d
// tensors are scalar dataspaces; zero-size tensors are fine); ints are int64 and doubles float64
// scalars; strings are variable-length UTF-8 scalars. Every dataset's checksum record is hashed
// as it is written (see state_checksum.h), so the file is never re-read for the checksum.
// Not for: opening, closing or renaming files (state_file.cpp does that atomically).
#pragma once

#include <hdf5.h>

#include <set>
#include <string>

#include "engine/checkpoint/hdf5_handle.h"
#include "engine/checkpoint/state_checksum.h"
#include "base/state_io.h"

namespace curvlab {

class Hdf5StateWriter : public StateWriter {
 public:
  // Writes into `file` (an open, writable HDF5 file; not owned). `display_path` names the file
  // in error messages.
  Hdf5StateWriter(hid_t file, std::string display_path);
  ~Hdf5StateWriter() override;  // out of line: users of this header need no HDF5 symbols

  void write_tensor(const std::string& path, const torch::Tensor& value) override;
  void write_int(const std::string& path, std::int64_t value) override;
  void write_double(const std::string& path, double value) override;
  void write_string(const std::string& path, const std::string& value) override;

  // A string attribute on the root group ("format", "job_text", ...).
  void write_root_attribute(const std::string& name, const std::string& value);
  // The checksum over everything written so far.
  const StateChecksum& checksum() const { return checksum_; }

 private:
  // Creates the groups above `parts.back()` when missing; returns the normalized path.
  std::string prepare(const std::string& path);
  H5Dataset create_dataset(const std::string& key, hid_t file_type, hid_t space);

  hid_t file_;
  std::string display_path_;
  H5Plist link_plist_;  // UTF-8 link names, so h5py decodes them as str
  std::set<std::string> groups_;  // groups known to exist
  StateChecksum checksum_;
};

}  // namespace curvlab
