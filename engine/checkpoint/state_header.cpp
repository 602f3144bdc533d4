// Implementation of the state-file integrity header: stamping after HDF5 closed the file, checking
// before HDF5 opens it. All integers little-endian.
//   0..15  magic "curvlab-state-1\n"      16..23 file length in bytes (u64)
//   24..27 CRC32 of bytes [512, length)   28..31 CRC32 of bytes [0, 28)      32..511 zero
#include "engine/checkpoint/state_header.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/error.h"

namespace curvlab {
namespace {

constexpr std::size_t kMagicSize = sizeof(kStateHeaderMagic) - 1;
static_assert(kMagicSize == 16, "the magic is 16 bytes");
constexpr std::size_t kLengthAt = 16, kBodyCrcAt = 24, kHeaderCrcAt = 28, kUsed = 32;
constexpr unsigned char kHdf5Signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t kChunk = 1 << 20;

// An open file descriptor, closed on scope exit.
class Fd {
 public:
  Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text() { return std::strerror(errno); }

void put_le(unsigned char* out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

std::uint64_t get_le(const unsigned char* in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(in[i]) << (8 * i);
  return v;
}

std::uint32_t crc_of(const unsigned char* data, std::size_t n) {
  return static_cast<std::uint32_t>(::crc32(::crc32(0L, Z_NULL, 0), data, static_cast<uInt>(n)));
}

// Reads exactly `n` bytes at `offset`; false at end of file.
bool read_at(int fd, unsigned char* out, std::size_t n, std::uint64_t offset, const std::string& what) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    CURVLAB_CHECK(got >= 0, IoError, "cannot read " + what + ": " + errno_text());
    if (got == 0) return false;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

// CRC32 of bytes [kStateHeaderSize, size) of the open file.
std::uint32_t body_crc(int fd, std::uint64_t size, const std::string& what) {
  std::vector<unsigned char> buf(kChunk);
  uLong crc = ::crc32(0L, Z_NULL, 0);
  for (std::uint64_t at = kStateHeaderSize; at < size;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size - at));
    CURVLAB_CHECK(read_at(fd, buf.data(), n, at, what), IoError, what + " became shorter while being read");
    crc = ::crc32(crc, buf.data(), static_cast<uInt>(n));
    at += n;
  }
  return static_cast<std::uint32_t>(crc);
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

void stamp_state_header(const std::string& path, const std::string& target) {
  const std::string what = "'" + path + "' (writing '" + target + "')";
  Fd fd(path, O_RDWR);
  CURVLAB_CHECK(fd.get() >= 0, IoError, "cannot open " + what + " to stamp its header: " + errno_text());
  struct stat st {};
  CURVLAB_CHECK(::fstat(fd.get(), &st) == 0, IoError, "cannot stat " + what + ": " + errno_text());
  const auto size = static_cast<std::uint64_t>(st.st_size);
  CURVLAB_CHECK(size > kStateHeaderSize, IoError,
                what + " has " + std::to_string(size) + " bytes, no room for HDF5 data after its "
                "header; it was not created with a user block of " + std::to_string(kStateHeaderSize));
  unsigned char header[kStateHeaderSize] = {};
  std::memcpy(header, kStateHeaderMagic, kMagicSize);
  put_le(header + kLengthAt, size, 8);
  put_le(header + kBodyCrcAt, body_crc(fd.get(), size, what), 4);
  put_le(header + kHeaderCrcAt, crc_of(header, kHeaderCrcAt), 4);
  std::size_t done = 0;
  while (done < kStateHeaderSize) {
    const ssize_t put = ::pwrite(fd.get(), header + done, kStateHeaderSize - done, static_cast<off_t>(done));
    if (put < 0 && errno == EINTR) continue;
    CURVLAB_CHECK(put > 0, IoError, "cannot write the header of " + what + ": " + errno_text() +
                                        "; check the disk (full, quota)");
    done += static_cast<std::size_t>(put);
  }
}

StateFraming check_state_header(const std::string& path, const std::string& kind) {
  const std::string what = kind + " '" + path + "'";
  Fd fd(path, O_RDONLY);
  CURVLAB_CHECK(fd.get() >= 0, IoError, "cannot open " + what + ": " + errno_text());
  struct stat st {};
  CURVLAB_CHECK(::fstat(fd.get(), &st) == 0, IoError, "cannot stat " + what + ": " + errno_text());
  const auto size = static_cast<std::uint64_t>(st.st_size);
  unsigned char header[kStateHeaderSize] = {};
  const std::size_t head = static_cast<std::size_t>(std::min<std::uint64_t>(size, kStateHeaderSize));
  CURVLAB_CHECK(read_at(fd.get(), header, head, 0, what), IoError, what + " became shorter while being read");
  if (size >= sizeof kHdf5Signature && std::memcmp(header, kHdf5Signature, sizeof kHdf5Signature) == 0) {
    return StateFraming::kUnframed;
  }
  const std::string fix = "; delete it or use an older checkpoint";
  CURVLAB_CHECK(size >= kMagicSize && std::memcmp(header, kStateHeaderMagic, kMagicSize) == 0, IoError,
                what + " is not a curvlab state file (it starts with neither curvlab's header nor HDF5's "
                "signature; " + std::to_string(size) + " bytes)" + fix);
  CURVLAB_CHECK(size >= kUsed, IoError, what + " is truncated inside its header (" + std::to_string(size) +
                                            " bytes)" + fix);
  const std::uint32_t stored_header_crc = static_cast<std::uint32_t>(get_le(header + kHeaderCrcAt, 4));
  CURVLAB_CHECK(crc_of(header, kHeaderCrcAt) == stored_header_crc, IoError,
                what + " has a damaged header (its own CRC32 does not match)" + fix);
  const std::uint64_t length = get_le(header + kLengthAt, 8);
  CURVLAB_CHECK(length == size, IoError,
                what + " is " + (size < length ? "truncated" : "longer than written") + ": it has " +
                    std::to_string(size) + " bytes, its header says " + std::to_string(length) + fix);
  const std::uint32_t stored = static_cast<std::uint32_t>(get_le(header + kBodyCrcAt, 4));
  const std::uint32_t computed = body_crc(fd.get(), size, what);
  CURVLAB_CHECK(computed == stored, IoError,
                what + " is corrupted (file checksum mismatch: its header says CRC32 " + hex(stored) +
                    ", its contents have " + hex(computed) + "); it is not read" + fix);
  return StateFraming::kFramed;
}

}  // namespace curvlab
