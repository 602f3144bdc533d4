// Implementation of the HDF5 StateReader: typed reads with clear errors, raw checksum records.
#include "engine/checkpoint/hdf5_state_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <functional>

#include "engine/checkpoint/hdf5_check.h"
#include "engine/checkpoint/hdf5_dtype.h"
#include "engine/checkpoint/hdf5_file_access.h"
#include "engine/checkpoint/hdf5_strings.h"
#include "engine/checkpoint/isolated_probe.h"
#include "engine/checkpoint/state_header.h"
#include "engine/checkpoint/state_path.h"
#include "base/error.h"

namespace curvlab {
namespace {

enum class ObjectKind { kMissing, kGroup, kDataset, kOther };

// What the link at `parts` points to. Intermediate components must be groups.
ObjectKind object_kind(hid_t file, const std::vector<std::string>& parts, const std::string& h5) {
  if (parts.empty()) return ObjectKind::kGroup;  // the root
  for (std::size_t depth = 1; depth <= parts.size(); ++depth) {
    const std::string prefix = join_state_path(parts, depth);
    if (CURVLAB_H5_CHECK(H5Lexists(file, prefix.c_str(), H5P_DEFAULT), h5) == 0) {
      return ObjectKind::kMissing;
    }
    H5Object obj(CURVLAB_H5_CHECK(H5Oopen(file, prefix.c_str(), H5P_DEFAULT), h5));
    const H5I_type_t type = H5Iget_type(obj.get());
    if (depth < parts.size() && type != H5I_GROUP) return ObjectKind::kMissing;
    if (depth == parts.size()) {
      if (type == H5I_GROUP) return ObjectKind::kGroup;
      if (type == H5I_DATASET) return ObjectKind::kDataset;
      return ObjectKind::kOther;
    }
  }
  return ObjectKind::kMissing;
}

std::vector<std::int64_t> dataset_shape(hid_t ds, const std::string& what, const std::string& h5) {
  H5Dataspace space(CURVLAB_H5_CHECK(H5Dget_space(ds), h5));
  const H5S_class_t cls = H5Sget_simple_extent_type(space.get());
  CURVLAB_CHECK(cls != H5S_NULL, IoError,
                what + " has an empty (null) dataspace; it holds no value");
  const int rank = CURVLAB_H5_CHECK(H5Sget_simple_extent_ndims(space.get()), h5);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) CURVLAB_H5_CHECK(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), h5);
  return std::vector<std::int64_t>(dims.begin(), dims.end());
}

// Bytes of a dataset of `shape` with elements of `element_size` bytes; IoError when that overflows.
std::size_t data_bytes(const std::vector<std::int64_t>& shape, std::size_t element_size, const std::string& what) {
  std::size_t n = element_size;
  for (const auto d : shape) {
    const auto dim = static_cast<std::size_t>(d);
    CURVLAB_CHECK(d >= 0 && (dim == 0 || n <= SIZE_MAX / dim), IoError,
                  what + " has a shape whose size overflows (the file is damaged)");
    n *= dim;
  }
  return n;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return "[" + shape_key(shape) + "]";
}

}  // namespace

Hdf5StateReader::Hdf5StateReader(const std::string& path, const std::string& kind)
    : path_(path), kind_(kind) {
  struct stat st {};
  CURVLAB_CHECK(::stat(path.c_str(), &st) == 0, IoError,
                kind_ + " '" + path + "' does not exist; check the path (and --resume/--ckpt)");
  CURVLAB_CHECK(S_ISREG(st.st_mode), IoError,
                kind_ + " '" + path + "' is not a regular file");
  if (check_state_header(path_, kind_) == StateFraming::kUnframed) probe_unframed(st.st_size);
  open_hdf5();
}

Hdf5StateReader::Hdf5StateReader(const std::string& path, const std::string& kind, Unchecked)
    : path_(path), kind_(kind) {
  open_hdf5();
}

void Hdf5StateReader::open_hdf5() {
  Hdf5ErrorSilencer quiet;
  H5Plist fapl = state_file_access(path_);
  const hid_t id = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) {
    CURVLAB_THROW(IoError, kind_ + " '" + path_ + "' is truncated or not an HDF5 file (HDF5: " +
                               hdf5_error_stack() + "); delete it or use an older checkpoint");
  }
  file_ = H5File(id);
}

void Hdf5StateReader::probe_unframed(std::int64_t file_size) const {
  // Generous: the walk reads the file once (a few hundred MB/s); a hang in HDF5 ends here too.
  const int seconds = 30 + static_cast<int>(file_size / (20 << 20));
  const ProbeOutcome probe = run_isolated(
      [&] {
        const Hdf5StateReader unchecked(path_, kind_, Unchecked{});
        unchecked.walk_everything();
      },
      seconds);
  CURVLAB_CHECK(probe.ok, IoError,
                kind_ + " '" + path_ + "' has no curvlab integrity header (an older curvlab's file, or "
                "another program's) and reading it made the HDF5 library fail in a separate process (" +
                    probe.problem + "): it is damaged and was not read; delete it or use an older checkpoint");
}

void Hdf5StateReader::walk_everything() const {
  const auto quietly = [](const auto& read) {
    try {
      read();
    } catch (const Error&) {
    }
  };
  std::vector<unsigned char> buffer;
  const TensorAlloc into_buffer = [&](const std::vector<std::int64_t>& shape, torch::Dtype dtype) {
    const std::size_t n = data_bytes(shape, c10::elementSize(dtype), "");
    buffer.assign(n, 0);
    return n > 0 ? static_cast<void*>(buffer.data()) : nullptr;
  };
  quietly([&] { root_attributes(); });
  std::function<void(const std::string&)> walk = [&](const std::string& group) {
    std::vector<std::string> names;
    quietly([&] { names = children(group); });
    quietly([&] { has(group.empty() ? "curvlab_probe_missing" : group + "/curvlab_probe_missing"); });
    for (const auto& name : names) {
      const std::string path = group.empty() ? name : group + "/" + name;
      bool group_here = false;
      quietly([&] { group_here = is_group(path); });
      if (group_here) {
        walk(path);
        continue;
      }
      quietly([&] { describe(path); });
      quietly([&] { read_record(path); });
      quietly([&] { read_tensor_data(path, into_buffer); });
      quietly([&] { read_int(path); });
      quietly([&] { read_double(path); });
      quietly([&] { read_string(path); });
      quietly([&] { data_file_offset(path); });
    }
  };
  walk("");
}
Hdf5StateReader::~Hdf5StateReader() = default;

std::string Hdf5StateReader::where(const std::string& path) const {
  return "'" + path + "' in " + kind_ + " '" + path_ + "'";
}

bool Hdf5StateReader::has(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  return object_kind(file_.get(), split_state_path(path, path_, true), path_) !=
         ObjectKind::kMissing;
}

bool Hdf5StateReader::is_group(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  return object_kind(file_.get(), split_state_path(path, path_, true), path_) ==
         ObjectKind::kGroup;
}

bool Hdf5StateReader::is_dataset(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  return object_kind(file_.get(), split_state_path(path, path_, true), path_) ==
         ObjectKind::kDataset;
}

std::vector<std::string> Hdf5StateReader::children(const std::string& group) const {
  Hdf5ErrorSilencer quiet;
  const auto parts = split_state_path(group, path_, true);
  if (object_kind(file_.get(), parts, path_) != ObjectKind::kGroup) return {};
  const std::string name = parts.empty() ? "/" : join_state_path(parts, parts.size());
  H5Group g(CURVLAB_H5_CHECK(H5Gopen2(file_.get(), name.c_str(), H5P_DEFAULT), path_));
  H5G_info_t info{};
  CURVLAB_H5_CHECK(H5Gget_info(g.get(), &info), path_);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = CURVLAB_H5_CHECK(H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME,
                                                            H5_ITER_INC, i, nullptr, 0,
                                                            H5P_DEFAULT),
                                         path_);
    std::string child(static_cast<std::size_t>(len) + 1, '\0');
    CURVLAB_H5_CHECK(H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i,
                                        child.data(), child.size(), H5P_DEFAULT),
                     path_);
    child.resize(static_cast<std::size_t>(len));
    names.push_back(child);
  }
  std::sort(names.begin(), names.end());
  return names;
}

H5Dataset Hdf5StateReader::open_dataset(const std::string& path,
                                        const std::string& expected) const {
  const auto parts = split_state_path(path, path_);
  const ObjectKind kind = object_kind(file_.get(), parts, path_);
  CURVLAB_CHECK(kind != ObjectKind::kMissing, IoError,
                where(path) + " is missing (expected " + expected + "); the file was written "
                "by another version or for another model/optimizer configuration");
  CURVLAB_CHECK(kind == ObjectKind::kDataset, IoError,
                where(path) + " is a group, not a dataset (expected " + expected + ")");
  const std::string key = join_state_path(parts, parts.size());
  return H5Dataset(CURVLAB_H5_CHECK(H5Dopen2(file_.get(), key.c_str(), H5P_DEFAULT), path_));
}

DatasetRecord Hdf5StateReader::describe(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  H5Dataset ds = open_dataset(path, "a dataset");
  H5Type ftype(CURVLAB_H5_CHECK(H5Dget_type(ds.get()), path_));
  DatasetRecord rec;
  rec.shape = dataset_shape(ds.get(), where(path), path_);
  const auto tag = read_string_attribute(ds.get(), "torch_dtype", path_);
  rec.dtype = tag ? *tag : h5_type_name(ftype.get());
  return rec;
}

torch::Dtype Hdf5StateReader::read_tensor_data(const std::string& path, const TensorAlloc& alloc) const {
  Hdf5ErrorSilencer quiet;
  H5Dataset ds = open_dataset(path, "a tensor");
  H5Type ftype(CURVLAB_H5_CHECK(H5Dget_type(ds.get()), path_));
  const auto storage = dtype_of_h5_type(ftype.get());
  CURVLAB_CHECK(storage.has_value(), IoError,
                where(path) + " is a " + h5_type_name(ftype.get()) +
                    " dataset, expected a numeric tensor (float32/64, int8-64, uint8, bool)");
  torch::Dtype target = *storage;
  if (const auto tag = read_string_attribute(ds.get(), "torch_dtype", path_)) {
    const auto dtype = dtype_from_tag(*tag);
    CURVLAB_CHECK(dtype.has_value(), IoError,
                  where(path) + " has an unknown torch_dtype attribute '" + *tag +
                      "'; it was written by a newer curvlab");
    target = *dtype;
  }
  const std::vector<std::int64_t> shape = dataset_shape(ds.get(), where(path), path_);
  data_bytes(shape, c10::elementSize(*storage), where(path));
  void* data = alloc(shape, *storage);
  if (data != nullptr) {
    H5Type mtype = memory_type_for(*storage, path_);
    CURVLAB_H5_CHECK(H5Dread(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path_);
  }
  return target;
}

torch::Tensor Hdf5StateReader::read_tensor(const std::string& path) const {
  torch::Tensor out;
  const torch::Dtype target = read_tensor_data(path, [&](const std::vector<std::int64_t>& shape, torch::Dtype storage) {
    out = torch::empty(shape, torch::TensorOptions().dtype(storage));
    return out.numel() > 0 ? out.data_ptr() : nullptr;
  });
  return target == out.scalar_type() ? out : out.to(target);
}

std::int64_t Hdf5StateReader::read_int(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  H5Dataset ds = open_dataset(path, "an integer scalar");
  H5Type ftype(CURVLAB_H5_CHECK(H5Dget_type(ds.get()), path_));
  const auto shape = dataset_shape(ds.get(), where(path), path_);
  CURVLAB_CHECK(H5Tget_class(ftype.get()) == H5T_INTEGER && shape.empty(), IoError,
                where(path) + " is a " + h5_type_name(ftype.get()) + " dataset of shape " +
                    shape_text(shape) + ", expected an integer scalar");
  std::int64_t value = 0;
  CURVLAB_H5_CHECK(H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value),
                   path_);
  return value;
}

double Hdf5StateReader::read_double(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  H5Dataset ds = open_dataset(path, "a floating-point scalar");
  H5Type ftype(CURVLAB_H5_CHECK(H5Dget_type(ds.get()), path_));
  const auto shape = dataset_shape(ds.get(), where(path), path_);
  CURVLAB_CHECK(H5Tget_class(ftype.get()) == H5T_FLOAT && shape.empty(), IoError,
                where(path) + " is a " + h5_type_name(ftype.get()) + " dataset of shape " +
                    shape_text(shape) + ", expected a floating-point scalar");
  double value = 0;
  CURVLAB_H5_CHECK(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value),
                   path_);
  return value;
}

std::string Hdf5StateReader::read_string(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  H5Dataset ds = open_dataset(path, "a string");
  H5Type ftype(CURVLAB_H5_CHECK(H5Dget_type(ds.get()), path_));
  const auto shape = dataset_shape(ds.get(), where(path), path_);
  CURVLAB_CHECK(H5Tget_class(ftype.get()) == H5T_STRING && shape.empty(), IoError,
                where(path) + " is a " + h5_type_name(ftype.get()) + " dataset of shape " +
                    shape_text(shape) + ", expected a string scalar");
  return read_scalar_string(ds.get(), false, path_);
}

std::vector<std::string> Hdf5StateReader::dataset_paths() const {
  std::vector<std::string> out;
  std::function<void(const std::string&)> walk = [&](const std::string& group) {
    for (const auto& name : children(group)) {
      const std::string child = group.empty() ? name : group + "/" + name;
      if (is_group(child)) {
        walk(child);
      } else if (is_dataset(child)) {
        out.push_back(child);
      }
    }
  };
  walk("");
  std::sort(out.begin(), out.end());
  return out;
}

DatasetRecord Hdf5StateReader::read_record(const std::string& path) const {
  DatasetRecord rec = describe(path);
  Hdf5ErrorSilencer quiet;
  H5Dataset ds = open_dataset(path, "a dataset");
  H5Type ftype(CURVLAB_H5_CHECK(H5Dget_type(ds.get()), path_));
  const H5T_class_t cls = H5Tget_class(ftype.get());
  if (cls == H5T_STRING) {
    const std::string text = read_string(path);
    rec.bytes.assign(text.begin(), text.end());
    return rec;
  }
  CURVLAB_CHECK(cls == H5T_INTEGER || cls == H5T_FLOAT || cls == H5T_ENUM, IoError,
                where(path) + " is a " + h5_type_name(ftype.get()) +
                    " dataset, which curvlab state files do not contain");
  H5Type mtype(CURVLAB_H5_CHECK(H5Tcopy(ftype.get()), path_));
  if (cls != H5T_ENUM) CURVLAB_H5_CHECK(H5Tset_order(mtype.get(), H5T_ORDER_LE), path_);
  rec.bytes.resize(data_bytes(rec.shape, H5Tget_size(mtype.get()), where(path)));
  if (!rec.bytes.empty()) {
    CURVLAB_H5_CHECK(
        H5Dread(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rec.bytes.data()), path_);
  }
  return rec;
}

StateChecksum Hdf5StateReader::compute_checksum() const {
  StateChecksum sum;
  for (const auto& path : dataset_paths()) {
    const DatasetRecord rec = read_record(path);
    sum.add(path, rec.dtype, rec.shape, rec.bytes.data(), rec.bytes.size());
  }
  return sum;
}

namespace {
herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}
}  // namespace

std::map<std::string, std::string> Hdf5StateReader::root_attributes() const {
  Hdf5ErrorSilencer quiet;
  std::vector<std::string> names;
  CURVLAB_H5_CHECK(H5Aiterate2(file_.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
                               collect_attribute_name, &names),
                   path_);
  std::map<std::string, std::string> out;
  for (const auto& name : names) {
    H5Attribute attr(CURVLAB_H5_CHECK(H5Aopen(file_.get(), name.c_str(), H5P_DEFAULT), path_));
    H5Type type(CURVLAB_H5_CHECK(H5Aget_type(attr.get()), path_));
    H5Dataspace space(CURVLAB_H5_CHECK(H5Aget_space(attr.get()), path_));
    if (H5Tget_class(type.get()) != H5T_STRING ||
        H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) {
      continue;
    }
    out[name] = read_scalar_string(attr.get(), true, path_);
  }
  return out;
}

std::optional<std::uint64_t> Hdf5StateReader::data_file_offset(const std::string& path) const {
  Hdf5ErrorSilencer quiet;
  H5Dataset ds = open_dataset(path, "a dataset");
  // Only contiguous data that was written has an offset. Not HADDR_UNDEF alone: in a file with a
  // user block, HDF5 1.10 adds the block's size to HADDR_UNDEF too (511 for a 512-byte block).
  H5Plist dcpl(CURVLAB_H5_CHECK(H5Dget_create_plist(ds.get()), path_));
  if (H5Pget_layout(dcpl.get()) != H5D_CONTIGUOUS || H5Dget_storage_size(ds.get()) == 0) return std::nullopt;
  const haddr_t offset = H5Dget_offset(ds.get());
  if (offset == HADDR_UNDEF) return std::nullopt;
  return static_cast<std::uint64_t>(offset);
}

}  // namespace curvlab
