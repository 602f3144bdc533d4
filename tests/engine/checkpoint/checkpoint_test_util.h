// Helpers shared by the checkpoint tests: a scratch directory removed after each test, byte-level
// file surgery (flip a byte, truncate) to simulate corruption, re-stamping the integrity header after
// such surgery, writing a state file as curvlab did before the header, an independent bitwise CRC32
// with the documented checksum record layout, and running the h5py scripts of this folder.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include "engine/checkpoint/hdf5_check.h"
#include "engine/checkpoint/hdf5_state_writer.h"
#include "engine/checkpoint/state_checksum.h"
#include "engine/checkpoint/state_file.h"
#include "engine/checkpoint/state_header.h"

namespace curvlab::testing_ckpt {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/curvlab_ckpt_XXXXXX";
    char* made = ::mkdtemp(tmpl.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void flip_byte(const std::string& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << "cannot open " << file;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  ASSERT_TRUE(f.good()) << "cannot read byte " << offset << " of " << file;
  c = static_cast<char>(c ^ 0x01);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  ASSERT_TRUE(f.good());
}

inline void truncate_to_fraction(const std::string& file, double fraction) {
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, static_cast<std::uintmax_t>(size * fraction));
}

// Stamps the integrity header anew after a deliberate change to the file, so that the change meets
// the checks behind the header (the dataset checksum): a file whose header is intact but whose data
// disagree with its checksum attribute, which only a faulty writer could make.
inline void restamp(const std::string& file) { stamp_state_header(file, file); }

// A state file as curvlab wrote it before the integrity header (issue 13): plain HDF5 from byte 0,
// with the format and checksum root attributes. Not atomic (tests only).
inline void write_legacy_state_file(const std::string& path, const std::function<void(StateWriter&)>& fill,
                                    const std::map<std::string, std::string>& attributes) {
  H5File file(CURVLAB_H5_CHECK(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path));
  Hdf5StateWriter writer(file.get(), path);
  fill(writer);
  for (const auto& [name, value] : attributes) writer.write_root_attribute(name, value);
  writer.write_root_attribute(kFormatAttribute, kStateFormat);
  writer.write_root_attribute(kChecksumAttribute, format_crc32(writer.checksum().value()));
  CURVLAB_H5_CHECK(H5Fclose(file.release()), path);
}

inline std::string read_all(const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Reference CRC32 (IEEE 802.3, reflected, poly 0xEDB88320), bit by bit: independent of zlib.
inline std::uint32_t reference_crc32(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// One checksum record as docs/checkpoint-format.md defines it: path 0 dtype 0 shape 0 raw-bytes.
inline std::string record(const std::string& path, const std::string& dtype, const std::string& shape,
                          const void* data, std::size_t n) {
  std::string r = path + '\0' + dtype + '\0' + shape + '\0';
  r.append(static_cast<const char*>(data), n);
  return r;
}

constexpr char kPython[] = "/usr/bin/python3";

// Runs a script from tests/engine/checkpoint/ with `file` as argument; its output goes to the test log.
inline int run_script(const std::string& script, const std::string& file) {
  const std::string cmd = std::string(kPython) + " " + CURVLAB_SOURCE_DIR +
                          "/tests/engine/checkpoint/" + script + " '" + file + "' 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline bool python_available() {
  return std::filesystem::exists(kPython) &&
         std::system((std::string(kPython) + " -c 'import h5py' 2>/dev/null").c_str()) == 0;
}

}  // namespace curvlab::testing_ckpt
