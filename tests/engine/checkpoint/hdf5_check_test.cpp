// The HDF5 check macro and error silencer (engine/checkpoint/hdf5_check.cpp): a failing call throws
// IoError naming the call, the HDF5 file and HDF5's own error stack, stamped with this file:line;
// a passing call returns its result; the stack text is cleared once read; the silencer switches
// HDF5's automatic printing off and restores the previous handler.
#include "engine/checkpoint/hdf5_check.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

TEST(Hdf5Check, FailingCallThrowsWithCallFileAndHdf5Stack) {
  Hdf5ErrorSilencer quiet;
  const int line = __LINE__ + 2;
  try {
    CURVLAB_H5_CHECK(H5Fopen("/nonexistent/dir/x.h5", H5F_ACC_RDONLY, H5P_DEFAULT), std::string("x.h5"));
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("HDF5 call H5Fopen(\"/nonexistent/dir/x.h5\", H5F_ACC_RDONLY, H5P_DEFAULT) failed on 'x.h5'"),
              std::string::npos) << msg;
    EXPECT_NE(msg.find("(HDF5: "), std::string::npos) << msg;
    EXPECT_NE(msg.find("H5Fopen"), msg.rfind("H5Fopen")) << "the stack names the failing function: " << msg;
    EXPECT_NE(msg.find("check that the file is a complete curvlab state file"), std::string::npos) << msg;
    EXPECT_NE(e.where().find("hdf5_check_test.cpp:" + std::to_string(line)), std::string::npos) << e.where();
  }
  // The stack was consumed by the message.
  EXPECT_EQ(hdf5_error_stack(), "no HDF5 error details");
}

TEST(Hdf5Check, PassingCallReturnsItsResult) {
  Hdf5ErrorSilencer quiet;
  const hid_t space = CURVLAB_H5_CHECK(H5Screate(H5S_SCALAR), std::string("none"));
  EXPECT_GE(space, 0);
  EXPECT_EQ(CURVLAB_H5_CHECK(H5Sget_simple_extent_ndims(space), std::string("none")), 0);
  EXPECT_GE(CURVLAB_H5_CHECK(H5Sclose(space), std::string("none")), 0);
  // A negative result of any integer type is a failure (here a plain int, as htri_t is).
  EXPECT_THROW(h5_detail::check(-1, "fake()", "f.h5", __FILE__, __LINE__), IoError);
  EXPECT_EQ(h5_detail::check(3, "fake()", "f.h5", __FILE__, __LINE__), 3);
}

TEST(Hdf5Check, ErrorStackListsFunctionAndDescription) {
  Hdf5ErrorSilencer quiet;
  EXPECT_LT(H5Dopen2(-1, "nope", H5P_DEFAULT), 0);
  const std::string stack = hdf5_error_stack();
  EXPECT_NE(stack.find("H5Dopen2: "), std::string::npos) << stack;
  EXPECT_EQ(hdf5_error_stack(), "no HDF5 error details");
}

TEST(Hdf5Check, SilencerRestoresThePreviousHandler) {
  H5E_auto2_t before = nullptr;
  void* before_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &before, &before_data);
  {
    Hdf5ErrorSilencer quiet;
    H5E_auto2_t inside = reinterpret_cast<H5E_auto2_t>(1);
    void* inside_data = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &inside, &inside_data);
    EXPECT_EQ(inside, nullptr);
    {
      Hdf5ErrorSilencer nested;  // nesting restores the silenced state, not the printer
    }
    H5Eget_auto2(H5E_DEFAULT, &inside, &inside_data);
    EXPECT_EQ(inside, nullptr);
  }
  H5E_auto2_t after = nullptr;
  void* after_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &after, &after_data);
  EXPECT_EQ(after, before);
  EXPECT_EQ(after_data, before_data);
}

}  // namespace
}  // namespace curvlab
