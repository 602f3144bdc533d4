// The one check macro for HDF5 C calls, and the scope guard that stops HDF5 from printing its
// own error stack. A failed call (negative herr_t/htri_t, invalid hid_t) throws IoError with
// file:line, the rank, the HDF5 file it was working on and HDF5's own error descriptions.
// Not for: RAII ownership of handles (engine/checkpoint/hdf5_handle.h).
#pragma once

#include <hdf5.h>

#include <string>

namespace curvlab {

// Silences HDF5's automatic error printing for the lifetime of the object and restores the
// previous handler afterwards. Put one at the top of every public entry point that calls HDF5;
// errors are then reported only through the IoError that CURVLAB_H5_CHECK throws.
class Hdf5ErrorSilencer {
 public:
  Hdf5ErrorSilencer();
  ~Hdf5ErrorSilencer();
  Hdf5ErrorSilencer(const Hdf5ErrorSilencer&) = delete;
  Hdf5ErrorSilencer& operator=(const Hdf5ErrorSilencer&) = delete;

 private:
  H5E_auto2_t old_func_ = nullptr;
  void* old_data_ = nullptr;
};

// HDF5's current error stack as one line ("H5Fopen: unable to open file; H5FD_sec2_open: ...")
// and clears it. "no HDF5 error details" when the stack is empty.
std::string hdf5_error_stack();

namespace h5_detail {
// Throws IoError("HDF5 call <call> failed on <h5_file>: <hdf5 stack>") stamped with file:line.
[[noreturn]] void throw_h5_error(const char* call, const std::string& h5_file, const char* file,
                                 int line);

// Works for hid_t, herr_t, htri_t and the ssize_t-like results: all signal failure as < 0.
template <typename T>
T check(T result, const char* call, const std::string& h5_file, const char* file, int line) {
  if (result < 0) throw_h5_error(call, h5_file, file, line);
  return result;
}
}  // namespace h5_detail

}  // namespace curvlab

// Evaluates an HDF5 call; returns its result, or throws IoError when it failed. `h5_file` names
// the HDF5 file the call works on (a std::string), so the message says which file is at fault.
#define CURVLAB_H5_CHECK(call, h5_file) \
  ::curvlab::h5_detail::check((call), #call, (h5_file), __FILE__, __LINE__)
