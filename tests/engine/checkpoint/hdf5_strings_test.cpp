// UTF-8 strings in HDF5 (engine/checkpoint/hdf5_strings.cpp): the variable-length UTF-8 type as
// HDF5 describes it, string attributes written and read back (UTF-8, empty, long), written twice
// or with a NUL byte refused, absent ones as nullopt, non-strings refused; and fixed-length strings
// (NUL- and space-padded, as h5py and Fortran tools write them) read without their padding.
#include "engine/checkpoint/hdf5_strings.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "engine/checkpoint/hdf5_check.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

struct File {
  testing_ckpt::ScratchDir dir;
  std::string path = dir.file("s.h5");
  H5File h5{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)};
};

// A scalar fixed-length string dataset of `size` bytes holding `stored` (padding included).
void write_fixed(hid_t file, const char* name, const std::string& stored, H5T_str_t pad) {
  H5Type t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), stored.size());
  H5Tset_strpad(t.get(), pad);
  H5Dataspace s(H5Screate(H5S_SCALAR));
  H5Dataset d(H5Dcreate2(file, name, t.get(), s.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_GE(H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, stored.data()), 0);
}

TEST(Hdf5Strings, Utf8TypeIsVariableLength) {
  H5Type t = utf8_string_type("f.h5");
  EXPECT_EQ(H5Tget_class(t.get()), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(t.get()), 0);
  EXPECT_EQ(H5Tget_cset(t.get()), H5T_CSET_UTF8);
}

TEST(Hdf5Strings, AttributesRoundTrip) {
  File f;
  const std::string long_text(50000, 'j');
  write_string_attribute(f.h5.get(), "unicode", "κ-FAC ✓ ü", f.path);
  write_string_attribute(f.h5.get(), "empty", "", f.path);
  write_string_attribute(f.h5.get(), "long", long_text, f.path);
  EXPECT_EQ(read_string_attribute(f.h5.get(), "unicode", f.path), "κ-FAC ✓ ü");
  EXPECT_EQ(read_string_attribute(f.h5.get(), "empty", f.path), "");
  EXPECT_EQ(read_string_attribute(f.h5.get(), "long", f.path), long_text);
  EXPECT_FALSE(read_string_attribute(f.h5.get(), "absent", f.path).has_value());
  // The attribute's HDF5 type is the UTF-8 variable-length string on a scalar space.
  H5Attribute a(H5Aopen(f.h5.get(), "unicode", H5P_DEFAULT));
  H5Type t(H5Aget_type(a.get()));
  H5Dataspace s(H5Aget_space(a.get()));
  EXPECT_EQ(H5Tget_cset(t.get()), H5T_CSET_UTF8);
  EXPECT_GT(H5Tis_variable_str(t.get()), 0);
  EXPECT_EQ(H5Sget_simple_extent_type(s.get()), H5S_SCALAR);
}

TEST(Hdf5Strings, TwiceNulAndNonStringsAreIoErrors) {
  File f;
  write_string_attribute(f.h5.get(), "kind", "checkpoint", f.path);
  try {
    write_string_attribute(f.h5.get(), "kind", "results", f.path);
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("attribute 'kind' is written twice in '" + f.path + "'"), std::string::npos)
        << e.what();
  }
  try {
    write_string_attribute(f.h5.get(), "nul", std::string("a\0b", 3), f.path);
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("contains a NUL byte"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_storable_string("no nul here", "x"));
  EXPECT_THROW(check_storable_string(std::string(1, '\0'), "x"), IoError);
  // An integer attribute is not a string.
  H5Dataspace s(H5Screate(H5S_SCALAR));
  H5Attribute a(H5Acreate2(f.h5.get(), "number", H5T_STD_I64LE, s.get(), H5P_DEFAULT, H5P_DEFAULT));
  const std::int64_t v = 5;
  H5Awrite(a.get(), H5T_NATIVE_INT64, &v);
  Hdf5ErrorSilencer quiet;
  EXPECT_THROW(read_string_attribute(f.h5.get(), "number", f.path), IoError);
}

TEST(Hdf5Strings, FixedLengthStringsLoseTheirPadding) {
  File f;
  write_fixed(f.h5.get(), "nulpad", std::string("abc\0\0\0", 6), H5T_STR_NULLPAD);
  write_fixed(f.h5.get(), "nulterm", std::string("héllo\0", 7), H5T_STR_NULLTERM);
  write_fixed(f.h5.get(), "spacepad", "xyz   ", H5T_STR_SPACEPAD);
  write_fixed(f.h5.get(), "full", "abcdef", H5T_STR_NULLPAD);  // no padding at all
  for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
           {"nulpad", "abc"}, {"nulterm", "héllo"}, {"spacepad", "xyz"}, {"full", "abcdef"}}) {
    H5Dataset d(H5Dopen2(f.h5.get(), name.c_str(), H5P_DEFAULT));
    EXPECT_EQ(read_scalar_string(d.get(), false, f.path), expected) << name;
  }
}

}  // namespace
}  // namespace curvlab
