// libFuzzer target: the state-file (checkpoint/results HDF5) reader on a file of arbitrary bytes,
// as `curvlab inspect`, resume and the hessian job read them. The input is written to a file of
// its own (under $TMPDIR) and then: inspect_state_file (unverified: attributes, the whole tree,
// every value); read_state_attributes; open_state_file (the verified open of resume) and, when it
// verifies, every dataset through every typed read. The only error allowed is IoError; anything
// else (another exception, a crash, a sanitizer report, a hang, running out of memory) is a
// finding. Built by tests/fuzz/CMakeLists.txt.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "engine/checkpoint/inspect.h"

namespace {

const std::string& scratch_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/curvlab_state_fuzz_" +
           std::to_string(::getpid()) + ".h5";
  }();
  return path;
}

void write_input(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  if (std::fclose(f) != 0) std::abort();
}

template <typename Read>
void allow_io_error(Read read) {
  try {
    read();
  } catch (const curvlab::IoError&) {
  }
}

// Every dataset, read through each typed read (only the matching one succeeds), as resume does.
void read_everything(const curvlab::Hdf5StateReader& reader) {
  for (const std::string& path : reader.dataset_paths()) {
    allow_io_error([&] { reader.describe(path); });
    allow_io_error([&] { reader.read_tensor(path); });
    allow_io_error([&] { reader.read_int(path); });
    allow_io_error([&] { reader.read_double(path); });
    allow_io_error([&] { reader.read_string(path); });
    allow_io_error([&] { reader.data_file_offset(path); });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_path();
  write_input(path, data, size);
  allow_io_error([&] {
    std::ostringstream out;
    curvlab::inspect_state_file(path, out);
  });
  allow_io_error([&] { curvlab::read_state_attributes(path); });
  allow_io_error([&] {
    const auto reader = curvlab::open_state_file(path);
    read_everything(dynamic_cast<const curvlab::Hdf5StateReader&>(*reader));
  });
  std::remove(path.c_str());
  return 0;
}
