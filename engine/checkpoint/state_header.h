// The integrity header of curvlab state files: their first 512 bytes (an HDF5 user block, which HDF5
// and h5py skip) hold a magic, the file's length and the CRC32 of every byte after the header, so a
// truncated, corrupted or foreign file is refused before HDF5 parses any of it. HDF5 1.10 itself can
// crash on a damaged file (tests/fuzz/regressions/state_reader/), which no error check can catch.
// Layout: docs/checkpoint-format.md ("Integrity header").
// Not for: the dataset checksum (state_checksum.h), HDF5 access, or files without the header
// (hdf5_state_reader.cpp reads those in a separate process first: isolated_probe.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace curvlab {

// Size of the header = the HDF5 user block that write_state_file creates.
inline constexpr std::size_t kStateHeaderSize = 512;
// The header's first 16 bytes.
inline constexpr char kStateHeaderMagic[] = "curvlab-state-1\n";

// Writes the header into the first kStateHeaderSize bytes of `path`, a complete HDF5 file created
// with a user block of that size (its other bytes are read once, for the CRC). `target` names the
// file in messages (the final path of a temp file). Throws IoError.
void stamp_state_header(const std::string& path, const std::string& target);

enum class StateFraming {
  kFramed,    // the header is intact and the file is exactly as curvlab wrote it
  kUnframed,  // no header: HDF5's signature at byte 0 (curvlab before the header, h5py, other tools)
};

// Checks `path` before HDF5 opens it; `kind` is how messages call it ("checkpoint", "state file").
// Throws IoError, naming the file and what is wrong, for a file that starts with neither the header
// nor HDF5's signature, a damaged header, a length other than the header's (truncated or appended
// to) and a CRC mismatch (corrupted).
StateFraming check_state_header(const std::string& path, const std::string& kind);

}  // namespace curvlab
