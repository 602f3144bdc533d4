// Move-only RAII owners for HDF5 identifiers (files, groups, datasets, dataspaces, attributes,
// types, property lists): each closes its hid_t with the matching H5?close on destruction.
// Not for: error checking (engine/checkpoint/hdf5_check.h wraps the calls that create them).
#pragma once

#include <hdf5.h>

#include <utility>

namespace curvlab {

template <herr_t (*Close)(hid_t)>
class H5Handle {
 public:
  H5Handle() = default;
  explicit H5Handle(hid_t id) : id_(id) {}
  ~H5Handle() { reset(); }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle(H5Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  H5Handle& operator=(H5Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership (e.g. to close explicitly and check the result).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  // Closes now; errors on close are ignored here (destructors must not throw).
  void reset() {
    if (id_ >= 0) Close(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using H5File = H5Handle<H5Fclose>;
using H5Group = H5Handle<H5Gclose>;
using H5Dataset = H5Handle<H5Dclose>;
using H5Dataspace = H5Handle<H5Sclose>;
using H5Attribute = H5Handle<H5Aclose>;
using H5Type = H5Handle<H5Tclose>;
using H5Plist = H5Handle<H5Pclose>;
using H5Object = H5Handle<H5Oclose>;

}  // namespace curvlab
