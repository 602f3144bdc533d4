// Implementation of the state-file checksum: per-record CRC32 combined in sorted path order.
#include "engine/checkpoint/state_checksum.h"

#include <zlib.h>

#include <cstdio>

#include "base/error.h"

namespace curvlab {
namespace {
// zlib's crc32 takes a 32-bit length; feed large tensors in slices.
std::uint32_t crc_update(std::uint32_t crc, const void* data, std::size_t nbytes) {
  const auto* p = static_cast<const Bytef*>(data);
  constexpr std::size_t kSlice = std::size_t{1} << 30;
  while (nbytes > 0) {
    const std::size_t n = nbytes < kSlice ? nbytes : kSlice;
    crc = static_cast<std::uint32_t>(crc32(crc, p, static_cast<uInt>(n)));
    p += n;
    nbytes -= n;
  }
  return crc;
}
}  // namespace

std::string shape_key(const std::vector<std::int64_t>& shape) {
  std::string key;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) key += ',';
    key += std::to_string(shape[i]);
  }
  return key;
}

std::string format_crc32(std::uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(crc));
  return buf;
}

void StateChecksum::add(const std::string& path, const std::string& dtype,
                        const std::vector<std::int64_t>& shape, const void* data,
                        std::size_t nbytes) {
  CURVLAB_CHECK(records_.count(path) == 0, IoError,
                "dataset '" + path + "' is written twice into the same state file; every state "
                "path must be unique (check the prefixes passed to save_state)");
  std::string header = path;
  header += '\0';
  header += dtype;
  header += '\0';
  header += shape_key(shape);
  header += '\0';
  std::uint32_t crc = crc_update(static_cast<std::uint32_t>(crc32(0L, Z_NULL, 0)), header.data(),
                                 header.size());
  crc = crc_update(crc, data, nbytes);
  records_[path] = Record{crc, static_cast<std::uint64_t>(header.size() + nbytes)};
}

std::uint32_t StateChecksum::value() const {
  std::uint32_t total = static_cast<std::uint32_t>(crc32(0L, Z_NULL, 0));
  for (const auto& [path, rec] : records_) {
    total = static_cast<std::uint32_t>(
        crc32_combine(total, rec.crc, static_cast<z_off_t>(rec.length)));
  }
  return total;
}

}  // namespace curvlab
