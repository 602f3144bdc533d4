// The file-access property list every curvlab state file is created and opened with: HDF5's
// file locking stays on, but is skipped where the file system does not support locks (Lustre or
// NFS mounted without flock), instead of failing with "unable to lock file".
// Not for: dataset or link properties (the writer sets those).
#pragma once

#include <string>

#include "engine/checkpoint/hdf5_handle.h"

namespace curvlab {

H5Plist state_file_access(const std::string& h5_file);

}  // namespace curvlab
