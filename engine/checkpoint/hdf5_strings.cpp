// Implementation of UTF-8 string datasets and attributes in HDF5.
#include "engine/checkpoint/hdf5_strings.h"

#include <algorithm>
#include <vector>

#include "engine/checkpoint/hdf5_check.h"
#include "base/error.h"

namespace curvlab {

H5Type utf8_string_type(const std::string& h5_file) {
  H5Type t(CURVLAB_H5_CHECK(H5Tcopy(H5T_C_S1), h5_file));
  CURVLAB_H5_CHECK(H5Tset_size(t.get(), H5T_VARIABLE), h5_file);
  CURVLAB_H5_CHECK(H5Tset_cset(t.get(), H5T_CSET_UTF8), h5_file);
  return t;
}

void check_storable_string(const std::string& value, const std::string& what) {
  CURVLAB_CHECK(value.find('\0') == std::string::npos, IoError,
                "cannot store " + what + ": the string contains a NUL byte; store binary data "
                "as a uint8 tensor instead");
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value,
                            const std::string& h5_file) {
  check_storable_string(value, "attribute '" + name + "' in '" + h5_file + "'");
  const htri_t exists = CURVLAB_H5_CHECK(H5Aexists(object, name.c_str()), h5_file);
  CURVLAB_CHECK(exists == 0, IoError,
                "attribute '" + name + "' is written twice in '" + h5_file + "'");
  H5Type type = utf8_string_type(h5_file);
  H5Dataspace space(CURVLAB_H5_CHECK(H5Screate(H5S_SCALAR), h5_file));
  H5Attribute attr(CURVLAB_H5_CHECK(
      H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      h5_file));
  const char* text = value.c_str();
  CURVLAB_H5_CHECK(H5Awrite(attr.get(), type.get(), &text), h5_file);
}

std::optional<std::string> read_string_attribute(hid_t object, const std::string& name,
                                                 const std::string& h5_file) {
  const htri_t exists = CURVLAB_H5_CHECK(H5Aexists(object, name.c_str()), h5_file);
  if (exists == 0) return std::nullopt;
  H5Attribute attr(CURVLAB_H5_CHECK(H5Aopen(object, name.c_str(), H5P_DEFAULT), h5_file));
  return read_scalar_string(attr.get(), true, h5_file);
}

std::string read_scalar_string(hid_t object, bool is_attribute, const std::string& h5_file) {
  H5Type ftype(CURVLAB_H5_CHECK(is_attribute ? H5Aget_type(object) : H5Dget_type(object),
                                h5_file));
  H5Dataspace space(CURVLAB_H5_CHECK(is_attribute ? H5Aget_space(object) : H5Dget_space(object),
                                     h5_file));
  CURVLAB_CHECK(H5Tget_class(ftype.get()) == H5T_STRING &&
                    H5Sget_simple_extent_type(space.get()) == H5S_SCALAR,
                IoError, "expected a scalar string in '" + h5_file + "'");
  const htri_t is_vlen = CURVLAB_H5_CHECK(H5Tis_variable_str(ftype.get()), h5_file);
  auto read = [&](hid_t mtype, void* buf) {
    if (is_attribute) {
      CURVLAB_H5_CHECK(H5Aread(object, mtype, buf), h5_file);
    } else {
      CURVLAB_H5_CHECK(H5Dread(object, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), h5_file);
    }
  };
  if (is_vlen > 0) {
    H5Type mtype = utf8_string_type(h5_file);
    CURVLAB_H5_CHECK(H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get())), h5_file);
    char* text = nullptr;
    read(mtype.get(), &text);
    std::string value = text != nullptr ? std::string(text) : std::string();
    if (text != nullptr) H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  std::vector<char> buf(size + 1, '\0');
  H5Type mtype(CURVLAB_H5_CHECK(H5Tcopy(ftype.get()), h5_file));
  read(mtype.get(), buf.data());
  std::string value(buf.data(), size);
  if (H5Tget_strpad(ftype.get()) == H5T_STR_SPACEPAD) {
    value.erase(value.find_last_not_of(' ') + 1);
  } else {
    value.erase(std::min(value.find('\0'), value.size()));
  }
  return value;
}

}  // namespace curvlab
