// The file-access property list of state files (engine/checkpoint/hdf5_file_access.cpp): a file
// access list with HDF5's file locking on and "ignore when disabled" set (HDF5 >= 1.10.7), so state
// files open on file systems without locks; files created and reopened with it work.
#include "engine/checkpoint/hdf5_file_access.h"

#include <gtest/gtest.h>

#include "engine/checkpoint/hdf5_check.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

TEST(Hdf5FileAccess, IsAFileAccessListWithLockingThatIgnoresUnsupportedFileSystems) {
  H5Plist fapl = state_file_access("f.h5");
  ASSERT_TRUE(fapl.valid());
  EXPECT_GT(H5Pisa_class(fapl.get(), H5P_FILE_ACCESS), 0);
#if H5_VERSION_GE(1, 10, 7)
  hbool_t use_locking = false, ignore_when_disabled = false;
  ASSERT_GE(H5Pget_file_locking(fapl.get(), &use_locking, &ignore_when_disabled), 0);
  EXPECT_TRUE(use_locking);
  EXPECT_TRUE(ignore_when_disabled);
#else
  GTEST_SKIP() << "HDF5 " << H5_VERS_MAJOR << "." << H5_VERS_MINOR << "." << H5_VERS_RELEASE
               << " has no H5Pset_file_locking";
#endif
}

TEST(Hdf5FileAccess, FilesCreatedAndReopenedWithIt) {
  testing_ckpt::ScratchDir dir;
  const std::string file = dir.file("a.h5");
  {
    H5Plist fapl = state_file_access(file);
    H5File f(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
    ASSERT_TRUE(f.valid());
  }
  H5Plist fapl = state_file_access(file);
  H5File again(H5Fopen(file.c_str(), H5F_ACC_RDONLY, fapl.get()));
  EXPECT_TRUE(again.valid());
  // Two readers at once: locks are shared for reading.
  H5File second(H5Fopen(file.c_str(), H5F_ACC_RDONLY, fapl.get()));
  EXPECT_TRUE(second.valid());
}

}  // namespace
}  // namespace curvlab
