// Implementation of the HDF5 check macro: walking HDF5's error stack into a readable message.
#include "engine/checkpoint/hdf5_check.h"

#include <vector>

#include "base/error.h"

namespace curvlab {

Hdf5ErrorSilencer::Hdf5ErrorSilencer() {
  H5Eget_auto2(H5E_DEFAULT, &old_func_, &old_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Hdf5ErrorSilencer::~Hdf5ErrorSilencer() { H5Eset_auto2(H5E_DEFAULT, old_func_, old_data_); }

namespace {
herr_t collect_error(unsigned /*n*/, const H5E_error2_t* err, void* client_data) {
  auto* lines = static_cast<std::vector<std::string>*>(client_data);
  std::string line = err->func_name ? err->func_name : "?";
  line += ": ";
  line += err->desc ? err->desc : "(no description)";
  lines->push_back(line);
  return 0;
}
}  // namespace

std::string hdf5_error_stack() {
  std::vector<std::string> lines;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &lines);
  H5Eclear2(H5E_DEFAULT);
  if (lines.empty()) return "no HDF5 error details";
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += "; ";
    out += l;
  }
  return out;
}

namespace h5_detail {
void throw_h5_error(const char* call, const std::string& h5_file, const char* file, int line) {
  const std::string stack = hdf5_error_stack();
  throw IoError("HDF5 call " + std::string(call) + " failed on '" + h5_file + "' (HDF5: " + stack +
                    "); check that the file is a complete curvlab state file and the disk is "
                    "not full or read-only",
                file, line);
}
}  // namespace h5_detail

}  // namespace curvlab
