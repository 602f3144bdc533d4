// Constants and checks shared by the state-file functions declared in checkpointer.h
// (write_state_file, open_state_file, read_state_attributes) and by `curvlab inspect`.
// Not for: the dataset-level reading/writing (hdf5_state_reader.h / hdf5_state_writer.h).
#pragma once

#include <cstddef>
#include <string>

#include "engine/checkpoint/hdf5_state_reader.h"

namespace curvlab {

// Root attribute "format" of every state file written by this version.
inline constexpr char kStateFormat[] = "curvlab-state-1";
inline constexpr char kFormatAttribute[] = "format";
// Root attribute holding the CRC32 of all datasets as 8 lowercase hex digits (state_checksum.h).
inline constexpr char kChecksumAttribute[] = "checksum_crc32";

// The outcome of re-reading every dataset and comparing with the stored checksum.
struct ChecksumCheck {
  bool ok = false;
  std::string stored;    // "" when the attribute is missing
  std::string computed;  // "" when a dataset could not be read
  std::size_t datasets = 0;
  std::string problem;   // why it is not ok ("" when ok)
};

// Never throws for a bad checksum or an unreadable dataset: it says so in the result.
ChecksumCheck check_state_checksum(const Hdf5StateReader& reader);

}  // namespace curvlab
