// The torch dtype <-> HDF5 type mapping (engine/checkpoint/hdf5_dtype.cpp), checked against HDF5's
// own description of each type: tags and their inverse, storage dtypes (float16/bfloat16 widen to
// float32), the file types (little-endian standard types of the right size and sign, h5py's bool
// enum), the memory types, which foreign HDF5 types read as which dtype, and the type names used in
// messages and checksum records.
#include "engine/checkpoint/hdf5_dtype.h"

#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"

namespace curvlab {
namespace {

struct Expected {
  torch::Dtype dtype;
  const char* tag;
  H5T_class_t cls;
  std::size_t size;
  bool is_signed;
};

const std::vector<Expected>& table() {
  static const std::vector<Expected> t = {
      {torch::kFloat32, "float32", H5T_FLOAT, 4, true},   {torch::kFloat64, "float64", H5T_FLOAT, 8, true},
      {torch::kInt64, "int64", H5T_INTEGER, 8, true},     {torch::kInt32, "int32", H5T_INTEGER, 4, true},
      {torch::kInt16, "int16", H5T_INTEGER, 2, true},     {torch::kInt8, "int8", H5T_INTEGER, 1, true},
      {torch::kUInt8, "uint8", H5T_INTEGER, 1, false},    {torch::kBool, "bool", H5T_ENUM, 1, true}};
  return t;
}

TEST(Hdf5Dtype, TagsRoundTripAndUnknownOnesAreRefused) {
  for (const Expected& e : table()) {
    EXPECT_EQ(dtype_tag(e.dtype, "x"), e.tag);
    EXPECT_EQ(dtype_from_tag(e.tag), e.dtype) << e.tag;
  }
  EXPECT_EQ(dtype_tag(torch::kFloat16, "x"), "float16");
  EXPECT_EQ(dtype_tag(torch::kBFloat16, "x"), "bfloat16");
  EXPECT_EQ(dtype_from_tag("float16"), torch::kFloat16);
  EXPECT_EQ(dtype_from_tag("bfloat16"), torch::kBFloat16);
  EXPECT_FALSE(dtype_from_tag("complex64").has_value());
  EXPECT_FALSE(dtype_from_tag("Float32").has_value());  // tags are exact
  try {
    dtype_tag(torch::kComplexFloat, "'c' in 'f.h5'");
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot store 'c' in 'f.h5': dtype ComplexFloat is not supported"),
              std::string::npos) << e.what();
  }
}

TEST(Hdf5Dtype, HalfPrecisionIsStoredAsFloat32) {
  EXPECT_EQ(storage_dtype(torch::kFloat16), torch::kFloat32);
  EXPECT_EQ(storage_dtype(torch::kBFloat16), torch::kFloat32);
  for (const Expected& e : table()) EXPECT_EQ(storage_dtype(e.dtype), e.dtype);
  // The widening is exact: every float16 value is a float32 value.
  const torch::Tensor h = torch::tensor({65504.0, -6.1e-5, 1.0 / 3}, torch::kFloat16);
  EXPECT_TRUE(torch::equal(h.to(torch::kFloat32).to(torch::kFloat16), h));
}

TEST(Hdf5Dtype, FileTypesAreLittleEndianStandardTypes) {
  for (const Expected& e : table()) {
    SCOPED_TRACE(e.tag);
    H5Type t = file_type_for(e.dtype, "f.h5");
    EXPECT_EQ(H5Tget_class(t.get()), e.cls);
    EXPECT_EQ(H5Tget_size(t.get()), e.size);
    if (e.cls != H5T_ENUM) EXPECT_EQ(H5Tget_order(t.get()), H5T_ORDER_LE);
    if (e.cls == H5T_INTEGER) EXPECT_EQ(H5Tget_sign(t.get()) == H5T_SGN_2, e.is_signed);
    EXPECT_EQ(dtype_of_h5_type(t.get()), e.dtype);  // what is written reads back as itself
    EXPECT_EQ(h5_type_name(t.get()), e.tag);
    H5Type m = memory_type_for(e.dtype, "f.h5");
    EXPECT_EQ(H5Tget_size(m.get()), e.size);
    EXPECT_EQ(dtype_of_h5_type(m.get()), e.dtype);
  }
  // The bool enum is h5py's: members FALSE = 0 and TRUE = 1 on an int8 base.
  H5Type b = file_type_for(torch::kBool, "f.h5");
  ASSERT_EQ(H5Tget_nmembers(b.get()), 2);
  for (unsigned i = 0; i < 2; ++i) {
    char* name = H5Tget_member_name(b.get(), i);
    std::int8_t value = -1;
    H5Tget_member_value(b.get(), i, &value);
    EXPECT_EQ(std::string(name), value == 0 ? "FALSE" : "TRUE");
    H5free_memory(name);
  }
  EXPECT_THROW(file_type_for(torch::kFloat16, "f.h5"), IoError);  // only storage dtypes have file types
  EXPECT_THROW(memory_type_for(torch::kComplexDouble, "f.h5"), IoError);
}

TEST(Hdf5Dtype, ForeignTypesMapByClassSizeAndSign) {
  EXPECT_EQ(dtype_of_h5_type(H5T_STD_I64BE), torch::kInt64);   // any byte order
  EXPECT_EQ(dtype_of_h5_type(H5T_IEEE_F64BE), torch::kFloat64);
  EXPECT_EQ(dtype_of_h5_type(H5T_STD_U8BE), torch::kUInt8);
  EXPECT_FALSE(dtype_of_h5_type(H5T_STD_U16LE).has_value());   // no unsigned beyond uint8
  EXPECT_FALSE(dtype_of_h5_type(H5T_STD_U32LE).has_value());
  EXPECT_FALSE(dtype_of_h5_type(H5T_C_S1).has_value());
  EXPECT_EQ(h5_type_name(H5T_STD_U32LE), "uint32");
  EXPECT_EQ(h5_type_name(H5T_STD_U16BE), "uint16");
  EXPECT_EQ(h5_type_name(H5T_C_S1), "string");
  EXPECT_EQ(h5_type_name(H5T_STD_I32BE), "int32");
  // An enum that is not h5py's bool (other names, or three members) is no bool.
  H5Type other(H5Tenum_create(H5T_NATIVE_INT8));
  const std::int8_t zero = 0, one = 1, two = 2;
  H5Tenum_insert(other.get(), "OFF", &zero);
  H5Tenum_insert(other.get(), "ON", &one);
  EXPECT_FALSE(dtype_of_h5_type(other.get()).has_value());
  EXPECT_EQ(h5_type_name(other.get()), "enum");
  H5Type three(H5Tenum_create(H5T_NATIVE_INT8));
  H5Tenum_insert(three.get(), "FALSE", &zero);
  H5Tenum_insert(three.get(), "TRUE", &one);
  H5Tenum_insert(three.get(), "MAYBE", &two);
  EXPECT_FALSE(dtype_of_h5_type(three.get()).has_value());
  // A half-precision HDF5 float (2 bytes) is not read as a tensor type.
  H5Type f16(H5Tcopy(H5T_IEEE_F32LE));
  H5Tset_fields(f16.get(), 15, 10, 5, 0, 10);
  H5Tset_size(f16.get(), 2);
  H5Tset_ebias(f16.get(), 15);
  EXPECT_FALSE(dtype_of_h5_type(f16.get()).has_value());
  EXPECT_EQ(h5_type_name(f16.get()), "float16");
  H5Type compound(H5Tcreate(H5T_COMPOUND, 8));
  EXPECT_EQ(h5_type_name(compound.get()), "compound");
}

TEST(Hdf5Dtype, HostByteOrder) {
  const std::uint32_t probe = 0x01020304;
  unsigned char bytes[4];
  std::memcpy(bytes, &probe, 4);
  EXPECT_EQ(host_is_little_endian(), bytes[0] == 0x04);
}

}  // namespace
}  // namespace curvlab
