// How torch dtypes are stored in HDF5: the dtype tags ("float32", "bool", ...) kept in the
// "torch_dtype" attribute, the stored element type (float16/bfloat16 are widened to float32,
// exactly), and the matching HDF5 file and memory types. bool is stored as h5py's bool enum
// (int8 base, FALSE=0, TRUE=1), so h5py reads it as numpy bool.
// Not for: reading or writing datasets (hdf5_state_reader.h / hdf5_state_writer.h).
#pragma once

#include <hdf5.h>
#include <torch/types.h>

#include <optional>
#include <string>

#include "engine/checkpoint/hdf5_handle.h"

namespace curvlab {

// "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8",
// "bool". Throws IoError naming `what` for any other dtype (complex, quantized, ...).
std::string dtype_tag(torch::Dtype dtype, const std::string& what);
// The inverse of dtype_tag; nullopt for an unknown tag.
std::optional<torch::Dtype> dtype_from_tag(const std::string& tag);
// The dtype the elements are stored as: float32 for float16/bfloat16, the dtype itself otherwise.
torch::Dtype storage_dtype(torch::Dtype dtype);

// The HDF5 type used in the file for a storage dtype: little-endian standard types, the bool enum.
H5Type file_type_for(torch::Dtype storage, const std::string& h5_file);
// The HDF5 memory type for a storage dtype (native byte order; the bool enum for bool).
H5Type memory_type_for(torch::Dtype storage, const std::string& h5_file);
// The storage dtype that holds an HDF5 numeric type without loss: integers of 1-8 bytes (no
// unsigned beyond uint8), 4/8-byte floats, the bool enum. nullopt for anything else.
std::optional<torch::Dtype> dtype_of_h5_type(hid_t type);
// "float32", "int64", "string", "bool enum", "compound", ... : a short name of an HDF5 type for
// messages and for the checksum tag of datasets without a torch_dtype attribute.
std::string h5_type_name(hid_t type);

// True on little-endian hosts, the only ones whose in-memory bytes equal the stored bytes.
bool host_is_little_endian();

}  // namespace curvlab
