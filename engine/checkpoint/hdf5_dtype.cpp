// Implementation of the torch dtype <-> HDF5 type mapping used by state files.
#include "engine/checkpoint/hdf5_dtype.h"

#include <cstdint>
#include <cstring>

#include "engine/checkpoint/hdf5_check.h"
#include "base/error.h"

namespace curvlab {

std::string dtype_tag(torch::Dtype dtype, const std::string& what) {
  switch (dtype) {
    case torch::kFloat32: return "float32";
    case torch::kFloat64: return "float64";
    case torch::kFloat16: return "float16";
    case torch::kBFloat16: return "bfloat16";
    case torch::kInt64: return "int64";
    case torch::kInt32: return "int32";
    case torch::kInt16: return "int16";
    case torch::kInt8: return "int8";
    case torch::kUInt8: return "uint8";
    case torch::kBool: return "bool";
    default: break;
  }
  CURVLAB_THROW(IoError, "cannot store " + what + ": dtype " + std::string(c10::toString(dtype)) +
                             " is not supported in state files (supported: float32/64, "
                             "float16, bfloat16, int64/32/16/8, uint8, bool); convert it first");
}

std::optional<torch::Dtype> dtype_from_tag(const std::string& tag) {
  static const std::pair<const char*, torch::Dtype> kTags[] = {
      {"float32", torch::kFloat32}, {"float64", torch::kFloat64}, {"float16", torch::kFloat16},
      {"bfloat16", torch::kBFloat16}, {"int64", torch::kInt64},  {"int32", torch::kInt32},
      {"int16", torch::kInt16},     {"int8", torch::kInt8},       {"uint8", torch::kUInt8},
      {"bool", torch::kBool}};
  for (const auto& [name, dtype] : kTags) {
    if (tag == name) return dtype;
  }
  return std::nullopt;
}

torch::Dtype storage_dtype(torch::Dtype dtype) {
  if (dtype == torch::kFloat16 || dtype == torch::kBFloat16) return torch::kFloat32;
  return dtype;
}

namespace {
H5Type bool_enum(const std::string& h5_file) {
  H5Type t(CURVLAB_H5_CHECK(H5Tenum_create(H5T_NATIVE_INT8), h5_file));
  const std::int8_t no = 0, yes = 1;
  CURVLAB_H5_CHECK(H5Tenum_insert(t.get(), "FALSE", &no), h5_file);
  CURVLAB_H5_CHECK(H5Tenum_insert(t.get(), "TRUE", &yes), h5_file);
  return t;
}

H5Type copy_of(hid_t predefined, const std::string& h5_file) {
  return H5Type(CURVLAB_H5_CHECK(H5Tcopy(predefined), h5_file));
}
}  // namespace

H5Type file_type_for(torch::Dtype storage, const std::string& h5_file) {
  switch (storage) {
    case torch::kFloat32: return copy_of(H5T_IEEE_F32LE, h5_file);
    case torch::kFloat64: return copy_of(H5T_IEEE_F64LE, h5_file);
    case torch::kInt64: return copy_of(H5T_STD_I64LE, h5_file);
    case torch::kInt32: return copy_of(H5T_STD_I32LE, h5_file);
    case torch::kInt16: return copy_of(H5T_STD_I16LE, h5_file);
    case torch::kInt8: return copy_of(H5T_STD_I8LE, h5_file);
    case torch::kUInt8: return copy_of(H5T_STD_U8LE, h5_file);
    case torch::kBool: return bool_enum(h5_file);
    default: break;
  }
  CURVLAB_THROW(IoError, "internal: no HDF5 file type for storage dtype " +
                             std::string(c10::toString(storage)) + " in '" + h5_file + "'");
}

H5Type memory_type_for(torch::Dtype storage, const std::string& h5_file) {
  switch (storage) {
    case torch::kFloat32: return copy_of(H5T_NATIVE_FLOAT, h5_file);
    case torch::kFloat64: return copy_of(H5T_NATIVE_DOUBLE, h5_file);
    case torch::kInt64: return copy_of(H5T_NATIVE_INT64, h5_file);
    case torch::kInt32: return copy_of(H5T_NATIVE_INT32, h5_file);
    case torch::kInt16: return copy_of(H5T_NATIVE_INT16, h5_file);
    case torch::kInt8: return copy_of(H5T_NATIVE_INT8, h5_file);
    case torch::kUInt8: return copy_of(H5T_NATIVE_UINT8, h5_file);
    case torch::kBool: return bool_enum(h5_file);
    default: break;
  }
  CURVLAB_THROW(IoError, "internal: no HDF5 memory type for storage dtype " +
                             std::string(c10::toString(storage)) + " in '" + h5_file + "'");
}

namespace {
// h5py's bool: a 1-byte enum with exactly the members FALSE=0 and TRUE=1.
bool is_bool_enum(hid_t type) {
  if (H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2) return false;
  bool ok = true;
  for (unsigned i = 0; i < 2 && ok; ++i) {
    char* name = H5Tget_member_name(type, i);
    std::int8_t value = -1;
    if (name == nullptr || H5Tget_member_value(type, i, &value) < 0) {
      ok = false;
    } else {
      ok = (std::strcmp(name, "FALSE") == 0 && value == 0) ||
           (std::strcmp(name, "TRUE") == 0 && value == 1);
    }
    if (name != nullptr) H5free_memory(name);
  }
  return ok;
}
}  // namespace

std::optional<torch::Dtype> dtype_of_h5_type(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    if (!is_signed) return size == 1 ? std::optional<torch::Dtype>(torch::kUInt8) : std::nullopt;
    switch (size) {
      case 1: return torch::kInt8;
      case 2: return torch::kInt16;
      case 4: return torch::kInt32;
      case 8: return torch::kInt64;
      default: return std::nullopt;
    }
  }
  if (cls == H5T_FLOAT) {
    if (size == 4) return torch::kFloat32;
    if (size == 8) return torch::kFloat64;
    return std::nullopt;
  }
  if (cls == H5T_ENUM && is_bool_enum(type)) return torch::kBool;
  return std::nullopt;
}

std::string h5_type_name(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "vlen";
    case H5T_OPAQUE: return "opaque";
    case H5T_REFERENCE: return "reference";
    case H5T_BITFIELD: return "bitfield";
    case H5T_TIME: return "time";
    default: break;
  }
  const auto dtype = dtype_of_h5_type(type);
  if (dtype) return dtype_tag(*dtype, "HDF5 type");
  const std::string size = std::to_string(H5Tget_size(type) * 8);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_2 ? "int" : "uint") + size;
    case H5T_FLOAT: return "float" + size;
    case H5T_ENUM: return "enum";
    default: return "unknown";
  }
}

bool host_is_little_endian() {
  const std::uint16_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

}  // namespace curvlab
