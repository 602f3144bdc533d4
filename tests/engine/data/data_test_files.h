// Helpers for the data tests: a temporary folder, and writers of small IDX and CIFAR-10 files
// in exactly the on-disk formats (raw or gzip), so the readers are tested without real data.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace curvlab::testing {

// A fresh folder under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "curvlab_data_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
}

// IDX bytes: magic 0x0000 08 <ndims>, big-endian sizes, payload.
inline std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims,
                                           const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out = {0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(d >> s));
  }
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Deterministic pseudo-random bytes (an LCG), so tests need no RNG state.
inline std::vector<std::uint8_t> pattern_bytes(std::size_t n, std::uint32_t seed, std::uint32_t modulo = 256) {
  std::vector<std::uint8_t> out(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>((x >> 16) % modulo);
  }
  return out;
}

// Writes the four MNIST-style files into dir: train (n_train images of h x w), test (n_test).
inline void write_mnist_like(const std::string& dir, std::uint32_t n_train, std::uint32_t n_test, std::uint32_t h,
                             std::uint32_t w, bool gzip) {
  const std::string ext = gzip ? ".gz" : "";
  write_bytes(dir + "/train-images-idx3-ubyte" + ext, idx_bytes({n_train, h, w}, pattern_bytes(n_train * h * w, 1)), gzip);
  write_bytes(dir + "/train-labels-idx1-ubyte" + ext, idx_bytes({n_train}, pattern_bytes(n_train, 2, 10)), gzip);
  write_bytes(dir + "/t10k-images-idx3-ubyte" + ext, idx_bytes({n_test, h, w}, pattern_bytes(n_test * h * w, 3)), gzip);
  write_bytes(dir + "/t10k-labels-idx1-ubyte" + ext, idx_bytes({n_test}, pattern_bytes(n_test, 4, 10)), gzip);
}

// CIFAR-10 binary records: 1 label byte + 3072 pixel bytes each.
inline std::vector<std::uint8_t> cifar_records(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> out = pattern_bytes(n * 3073, seed);
  const std::vector<std::uint8_t> labels = pattern_bytes(n, seed + 100, 10);
  for (std::size_t i = 0; i < n; ++i) out[i * 3073] = labels[i];
  return out;
}

}  // namespace curvlab::testing
