// HDF5 checkpoint files: atomic writes (temp file, fsync, rename), a checksum over all data,
// keep-last rotation, and finding the newest valid checkpoint. Layout: docs/checkpoint-format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/state_io.h"

namespace curvlab {

// Writes one HDF5 file atomically: `fill` writes the content; root attributes are added as
// strings; a CRC32 checksum over every dataset (in sorted path order) is stored as the root
// attribute "checksum_crc32". The file appears under `path` only once complete and fsynced.
void write_state_file(const std::string& path, const std::function<void(StateWriter&)>& fill,
                      const std::map<std::string, std::string>& attributes);

// Opens a state file for reading after verifying its checksum; throws IoError (naming the
// file and what is wrong) when it is unreadable, truncated or corrupted.
std::unique_ptr<StateReader> open_state_file(const std::string& path);
// Root string attributes of a state file (no checksum check).
std::map<std::string, std::string> read_state_attributes(const std::string& path);

class Checkpointer {
 public:
  // Checkpoints go to <dir>/ckpt_<step, 8 digits>.h5; at most keep_last are kept (>= 1).
  Checkpointer(std::string dir, std::int64_t keep_last);

  // Writes the checkpoint of `step` and removes the oldest beyond keep_last. Returns its path.
  std::string save(std::int64_t step, const std::function<void(StateWriter&)>& fill,
                   const std::map<std::string, std::string>& attributes);

  // Checkpoint files present, oldest first.
  std::vector<std::string> list() const;

  // The newest checkpoint that opens and passes its checksum; invalid newer ones are skipped
  // with a warning on stderr. nullopt when there is none.
  std::optional<std::string> latest_valid() const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::int64_t keep_last_;
};

}  // namespace curvlab
