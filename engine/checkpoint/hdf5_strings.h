// UTF-8 strings in HDF5: the variable-length string type, and reading/writing scalar string
// datasets and attributes (h5py reads them as str for attributes, bytes or .asstr() for
// datasets). Reading also accepts fixed-length strings as h5py or other tools write them.
// Not for: numeric data (hdf5_dtype.h) or choosing what to write (the state writer).
#pragma once

#include <hdf5.h>

#include <optional>
#include <string>

#include "engine/checkpoint/hdf5_handle.h"

namespace curvlab {

// A variable-length, UTF-8 C string type.
H5Type utf8_string_type(const std::string& h5_file);

// Writes `value` as a scalar variable-length UTF-8 string attribute `name` on `object`.
// Throws IoError when the attribute exists or `value` contains a NUL byte.
void write_string_attribute(hid_t object, const std::string& name, const std::string& value,
                            const std::string& h5_file);
// The attribute's value when `object` has a scalar string attribute `name`; nullopt when it
// has no such attribute. Throws IoError when it exists but is not a scalar string.
std::optional<std::string> read_string_attribute(hid_t object, const std::string& name,
                                                 const std::string& h5_file);
// The value of a scalar string dataset or attribute; `is_attribute` selects H5Aread/H5Dread.
std::string read_scalar_string(hid_t object, bool is_attribute, const std::string& h5_file);

// Throws IoError when `value` cannot be stored as a C string (it contains a NUL byte).
void check_storable_string(const std::string& value, const std::string& what);

}  // namespace curvlab
