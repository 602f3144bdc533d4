// State paths ("model/layer1.0.conv1.weight"): splitting into HDF5 group/dataset names and the
// normalized form used as checksum key. Components are separated by "/"; a leading "/" is
// allowed and dropped; dots are ordinary characters (PyTorch state_dict keys stay one name).
// Not for: HDF5 calls (the reader and writer do those).
#pragma once

#include <string>
#include <vector>

namespace curvlab {

// The components of `path`. Throws IoError naming `h5_file` when the path is empty or has an
// empty, "." or ".." component. The root "" / "/" is allowed only when allow_root is set.
std::vector<std::string> split_state_path(const std::string& path, const std::string& h5_file,
                                          bool allow_root = false);
// Components joined with "/" (no leading "/"): the key under which checksums are recorded.
std::string join_state_path(const std::vector<std::string>& parts, std::size_t count);

}  // namespace curvlab
