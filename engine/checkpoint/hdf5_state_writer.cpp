// Implementation of the HDF5 StateWriter: groups on demand, typed datasets, checksum records.
#include "engine/checkpoint/hdf5_state_writer.h"

#include <utility>
#include <vector>

#include "engine/checkpoint/hdf5_check.h"
#include "engine/checkpoint/hdf5_dtype.h"
#include "engine/checkpoint/hdf5_strings.h"
#include "engine/checkpoint/state_path.h"
#include "base/error.h"

namespace curvlab {

Hdf5StateWriter::Hdf5StateWriter(hid_t file, std::string display_path)
    : file_(file), display_path_(std::move(display_path)) {
  CURVLAB_CHECK(host_is_little_endian(), IoError,
                "curvlab state files are written on little-endian hosts only (the checksum is "
                "defined over little-endian bytes)");
  Hdf5ErrorSilencer quiet;
  link_plist_ = H5Plist(CURVLAB_H5_CHECK(H5Pcreate(H5P_LINK_CREATE), display_path_));
  CURVLAB_H5_CHECK(H5Pset_char_encoding(link_plist_.get(), H5T_CSET_UTF8), display_path_);
}

Hdf5StateWriter::~Hdf5StateWriter() = default;

std::string Hdf5StateWriter::prepare(const std::string& path) {
  const std::vector<std::string> parts = split_state_path(path, display_path_);
  for (std::size_t depth = 1; depth < parts.size(); ++depth) {
    const std::string group = join_state_path(parts, depth);
    if (groups_.count(group)) continue;
    const htri_t exists = CURVLAB_H5_CHECK(H5Lexists(file_, group.c_str(), H5P_DEFAULT),
                                           display_path_);
    if (exists > 0) {
      H5Object obj(CURVLAB_H5_CHECK(H5Oopen(file_, group.c_str(), H5P_DEFAULT), display_path_));
      CURVLAB_CHECK(H5Iget_type(obj.get()) == H5I_GROUP, IoError,
                    "cannot write '" + path + "' into '" + display_path_ + "': '" + group +
                        "' is already a dataset, not a group; rename one of the two state "
                        "paths");
    } else {
      H5Group g(CURVLAB_H5_CHECK(H5Gcreate2(file_, group.c_str(), link_plist_.get(), H5P_DEFAULT,
                                            H5P_DEFAULT),
                                 display_path_));
    }
    groups_.insert(group);
  }
  const std::string key = join_state_path(parts, parts.size());
  const htri_t exists =
      CURVLAB_H5_CHECK(H5Lexists(file_, key.c_str(), H5P_DEFAULT), display_path_);
  CURVLAB_CHECK(exists == 0, IoError,
                "'" + key + "' is written twice into '" + display_path_ + "'; every state path "
                "must be unique (check the prefixes passed to save_state)");
  return key;
}

H5Dataset Hdf5StateWriter::create_dataset(const std::string& key, hid_t file_type, hid_t space) {
  return H5Dataset(CURVLAB_H5_CHECK(H5Dcreate2(file_, key.c_str(), file_type, space,
                                               link_plist_.get(), H5P_DEFAULT, H5P_DEFAULT),
                                    display_path_));
}

void Hdf5StateWriter::write_tensor(const std::string& path, const torch::Tensor& value) {
  Hdf5ErrorSilencer quiet;
  CURVLAB_CHECK(value.defined(), IoError,
                "cannot write '" + path + "' into '" + display_path_ + "': the tensor is "
                "undefined (save only tensors that exist, or write a flag instead)");
  const torch::Dtype dtype = value.scalar_type();
  const std::string tag = dtype_tag(dtype, "'" + path + "' in '" + display_path_ + "'");
  const std::string key = prepare(path);
  const torch::Dtype storage = storage_dtype(dtype);
  // CPU, contiguous, in the stored element type (float16/bfloat16 widen exactly to float32).
  const torch::Tensor data = value.detach().to(torch::kCPU, storage).contiguous();

  std::vector<hsize_t> dims;
  std::vector<std::int64_t> shape;
  for (const auto d : data.sizes()) {
    dims.push_back(static_cast<hsize_t>(d));
    shape.push_back(d);
  }
  H5Dataspace space(CURVLAB_H5_CHECK(
      dims.empty() ? H5Screate(H5S_SCALAR)
                   : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
      display_path_));
  H5Type ftype = file_type_for(storage, display_path_);
  H5Type mtype = memory_type_for(storage, display_path_);
  H5Dataset ds = create_dataset(key, ftype.get(), space.get());
  if (data.numel() > 0) {
    CURVLAB_H5_CHECK(
        H5Dwrite(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data_ptr()),
        display_path_);
  }
  write_string_attribute(ds.get(), "torch_dtype", tag, display_path_);
  checksum_.add(key, tag, shape, data.data_ptr(),
                static_cast<std::size_t>(data.numel()) * data.element_size());
}

void Hdf5StateWriter::write_int(const std::string& path, std::int64_t value) {
  Hdf5ErrorSilencer quiet;
  const std::string key = prepare(path);
  H5Dataspace space(CURVLAB_H5_CHECK(H5Screate(H5S_SCALAR), display_path_));
  H5Dataset ds = create_dataset(key, H5T_STD_I64LE, space.get());
  CURVLAB_H5_CHECK(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value),
                   display_path_);
  checksum_.add(key, "int64", {}, &value, sizeof value);
}

void Hdf5StateWriter::write_double(const std::string& path, double value) {
  Hdf5ErrorSilencer quiet;
  const std::string key = prepare(path);
  H5Dataspace space(CURVLAB_H5_CHECK(H5Screate(H5S_SCALAR), display_path_));
  H5Dataset ds = create_dataset(key, H5T_IEEE_F64LE, space.get());
  CURVLAB_H5_CHECK(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value),
                   display_path_);
  checksum_.add(key, "float64", {}, &value, sizeof value);
}

void Hdf5StateWriter::write_string(const std::string& path, const std::string& value) {
  Hdf5ErrorSilencer quiet;
  check_storable_string(value, "'" + path + "' in '" + display_path_ + "'");
  const std::string key = prepare(path);
  H5Type type = utf8_string_type(display_path_);
  H5Dataspace space(CURVLAB_H5_CHECK(H5Screate(H5S_SCALAR), display_path_));
  H5Dataset ds = create_dataset(key, type.get(), space.get());
  const char* text = value.c_str();
  CURVLAB_H5_CHECK(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
                   display_path_);
  checksum_.add(key, "string", {}, value.data(), value.size());
}

void Hdf5StateWriter::write_root_attribute(const std::string& name, const std::string& value) {
  Hdf5ErrorSilencer quiet;
  write_string_attribute(file_, name, value, display_path_);
}

}  // namespace curvlab
