// Implementation of the file-access property list for state files.
#include "engine/checkpoint/hdf5_file_access.h"

#include "engine/checkpoint/hdf5_check.h"

namespace curvlab {

H5Plist state_file_access(const std::string& h5_file) {
  H5Plist fapl(CURVLAB_H5_CHECK(H5Pcreate(H5P_FILE_ACCESS), h5_file));
#if H5_VERSION_GE(1, 10, 7)
  CURVLAB_H5_CHECK(H5Pset_file_locking(fapl.get(), /*use_file_locking=*/true,
                                       /*ignore_when_disabled=*/true),
                   h5_file);
#endif
  return fapl;
}

}  // namespace curvlab
