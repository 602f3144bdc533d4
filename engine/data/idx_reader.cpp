// IDX reading through zlib's gz* functions (which read raw files as well as gzip files).
#include "engine/data/idx_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <limits>
#include <memory>
#include <type_traits>

#include "base/error.h"

namespace curvlab {
namespace {

constexpr unsigned char kUnsignedByteType = 0x08;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzPtr = std::unique_ptr<std::remove_pointer<gzFile>::type, GzCloser>;

GzPtr open_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  CURVLAB_CHECK(f != nullptr, IoError, path + ": cannot open for reading (missing or no permission)");
  gzbuffer(f, 1 << 20);
  return GzPtr(f);
}

// Reads exactly `n` bytes; returns the number actually read (less at end of file).
std::int64_t read_bytes(gzFile f, const std::string& path, void* dst, std::int64_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  std::int64_t done = 0;
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::int64_t>(n - done, 1 << 30));
    const int got = gzread(f, out + done, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      CURVLAB_THROW(IoError, path + (errnum == Z_BUF_ERROR ? ": truncated gzip stream (" : ": read error (") +
                                 std::string(msg ? msg : "unknown") +
                                 "); the file is corrupt: reinstall or re-download it");
    }
    if (got == 0) break;
    done += got;
  }
  return done;
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

IdxHeader parse_header(gzFile f, const std::string& path, int ndims) {
  unsigned char magic[4];
  CURVLAB_CHECK(read_bytes(f, path, magic, 4) == 4, IoError,
                path + ": truncated: shorter than the 4-byte IDX magic number");
  const std::uint32_t got = (std::uint32_t(magic[0]) << 24) | (std::uint32_t(magic[1]) << 16) |
                            (std::uint32_t(magic[2]) << 8) | magic[3];
  const std::uint32_t want = (std::uint32_t(kUnsignedByteType) << 8) | std::uint32_t(ndims);
  CURVLAB_CHECK(got == want, IoError,
                path + ": bad magic number " + hex32(got) + " (expected " + hex32(want) +
                    ": an IDX file of unsigned bytes with " + std::to_string(ndims) +
                    " dimensions); the file is not the expected IDX file or is corrupt");
  IdxHeader h;
  for (int i = 0; i < ndims; ++i) {
    unsigned char b[4];
    CURVLAB_CHECK(read_bytes(f, path, b, 4) == 4, IoError,
                  path + ": truncated inside the header (dimension " + std::to_string(i) + ")");
    const std::uint32_t d = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) |
                            (std::uint32_t(b[2]) << 8) | b[3];
    CURVLAB_CHECK(d <= std::uint32_t(std::numeric_limits<std::int32_t>::max()) && (d > 0 || i == 0),
                  IoError, path + ": bad size " + std::to_string(d) + " of dimension " + std::to_string(i));
    h.dims.push_back(d);
  }
  return h;
}

// Uncompressed length of the file's content: its size, or the gzip trailer's ISIZE (mod 2^32).
// Returns false for a gzip file too short to have a trailer.
bool content_length(const std::string& path, std::int64_t* length, bool* is_gzip) {
  std::unique_ptr<FILE, int (*)(FILE*)> fp(std::fopen(path.c_str(), "rb"), &std::fclose);
  CURVLAB_CHECK(fp != nullptr, IoError, path + ": cannot open for reading (missing or no permission)");
  unsigned char head[2] = {0, 0};
  const size_t n = std::fread(head, 1, 2, fp.get());
  *is_gzip = n == 2 && head[0] == 0x1f && head[1] == 0x8b;
  if (std::fseek(fp.get(), 0, SEEK_END) != 0) return false;
  const long size = std::ftell(fp.get());
  if (!*is_gzip) {
    *length = size;
    return true;
  }
  if (size < 18 || std::fseek(fp.get(), -4, SEEK_END) != 0) return false;
  unsigned char t[4];
  if (std::fread(t, 1, 4, fp.get()) != 4) return false;
  *length = std::int64_t(t[0]) | (std::int64_t(t[1]) << 8) | (std::int64_t(t[2]) << 16) |
            (std::int64_t(t[3]) << 24);
  return true;
}

}  // namespace

std::int64_t IdxHeader::payload_bytes() const {
  std::int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

std::int64_t IdxHeader::record_bytes() const {
  std::int64_t n = 1;
  for (size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  return n;
}

std::string find_idx_file(const std::string& dir, const std::string& base) {
  struct stat st;
  for (const std::string& p : {dir + "/" + base, dir + "/" + base + ".gz"}) {
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return p;
  }
  return "";
}

IdxHeader read_idx_header(const std::string& path, int ndims) {
  IdxHeader h;
  {
    GzPtr f = open_gz(path);
    h = parse_header(f.get(), path, ndims);
  }
  std::int64_t length = 0;
  bool is_gzip = false;
  const std::int64_t expected = 4 + 4 * std::int64_t(ndims) + h.payload_bytes();
  if (!content_length(path, &length, &is_gzip)) {
    CURVLAB_THROW(IoError, path + ": truncated gzip file (no trailer); reinstall or re-download it");
  }
  const std::int64_t want = is_gzip ? (expected & 0xffffffffLL) : expected;
  CURVLAB_CHECK(length == want, IoError,
                path + ": " + (length < want ? "truncated" : "has trailing bytes") + ": the header (" +
                    std::to_string(h.dims[0]) + " records) implies " + std::to_string(expected) +
                    " bytes, the file " + (is_gzip ? "(gzip trailer) says " : "has ") +
                    std::to_string(length) + "; reinstall or re-download it");
  return h;
}

torch::Tensor read_idx_u8(const std::string& path, int ndims, std::int64_t limit) {
  GzPtr f = open_gz(path);
  const IdxHeader h = parse_header(f.get(), path, ndims);
  const std::int64_t records = limit > 0 ? std::min(limit, h.dims[0]) : h.dims[0];
  std::vector<std::int64_t> shape = h.dims;
  shape[0] = records;
  auto out = torch::empty(shape, torch::kUInt8);
  const std::int64_t want = records * h.record_bytes();
  const std::int64_t got = read_bytes(f.get(), path, out.data_ptr<std::uint8_t>(), want);
  CURVLAB_CHECK(got == want, IoError,
                path + ": truncated: the header announces " + std::to_string(h.dims[0]) +
                    " records of " + std::to_string(h.record_bytes()) + " bytes, but the payload ends after " +
                    std::to_string(got) + " of the " + std::to_string(want) +
                    " bytes needed; reinstall or re-download it");
  if (records == h.dims[0]) {
    unsigned char extra;
    CURVLAB_CHECK(read_bytes(f.get(), path, &extra, 1) == 0, IoError,
                  path + ": has trailing bytes after the " + std::to_string(h.dims[0]) +
                      " records its header announces; the file is corrupt: reinstall or re-download it");
  }
  return out;
}

}  // namespace curvlab
