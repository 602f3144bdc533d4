// Whole state files: the atomic write (temp file with the integrity header, fsync, rename, fsync of
// the directory), the verified open (header, format + checksum) and reading the root attributes.
// Declared in checkpointer.h.
#include "engine/checkpoint/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_check.h"
#include "engine/checkpoint/hdf5_file_access.h"
#include "engine/checkpoint/hdf5_state_writer.h"
#include "engine/checkpoint/state_header.h"
#include "base/error.h"

namespace curvlab {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// open + fsync + close: the data (and size) of `path` reach the disk before the rename.
void fsync_path(const std::string& path, bool directory, const std::string& target) {
  const int fd = ::open(path.c_str(), O_RDONLY | (directory ? O_DIRECTORY : 0));
  CURVLAB_CHECK(fd >= 0, IoError,
                "cannot open '" + path + "' to flush '" + target + "' to disk: " + errno_text());
  const int rc = ::fsync(fd);
  const std::string err = rc != 0 ? errno_text() : "";
  ::close(fd);
  CURVLAB_CHECK(rc == 0, IoError,
                "fsync of '" + path + "' failed while writing '" + target + "': " + err +
                    "; check the disk (full, quota, network file system errors)");
}

}  // namespace

void write_state_file(const std::string& path, const std::function<void(StateWriter&)>& fill,
                      const std::map<std::string, std::string>& attributes) {
  for (const char* reserved : {kFormatAttribute, kChecksumAttribute}) {
    CURVLAB_CHECK(attributes.count(reserved) == 0, IoError,
                  "attribute '" + std::string(reserved) + "' of '" + path + "' is set by "
                  "write_state_file itself; do not pass it");
  }
  const std::string dir = parent_dir(path);
  struct stat st {};
  CURVLAB_CHECK(::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode), IoError,
                "cannot write '" + path + "': directory '" + dir + "' does not exist; create "
                "it first (or check the output directory in the job file)");

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    {
      Hdf5ErrorSilencer quiet;
      H5Plist fapl = state_file_access(tmp);
      // The first kStateHeaderSize bytes are an HDF5 user block: room for the integrity header.
      H5Plist fcpl(CURVLAB_H5_CHECK(H5Pcreate(H5P_FILE_CREATE), tmp));
      CURVLAB_H5_CHECK(H5Pset_userblock(fcpl.get(), kStateHeaderSize), tmp);
      H5File file(CURVLAB_H5_CHECK(
          H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), tmp));
      Hdf5StateWriter writer(file.get(), path);
      fill(writer);
      for (const auto& [name, value] : attributes) writer.write_root_attribute(name, value);
      writer.write_root_attribute(kFormatAttribute, kStateFormat);
      writer.write_root_attribute(kChecksumAttribute, format_crc32(writer.checksum().value()));
      CURVLAB_H5_CHECK(H5Fclose(file.release()), tmp);
    }
    stamp_state_header(tmp, path);
    fsync_path(tmp, false, path);
    CURVLAB_CHECK(::rename(tmp.c_str(), path.c_str()) == 0, IoError,
                  "cannot rename '" + tmp + "' to '" + path + "': " + errno_text());
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  fsync_path(dir, true, path);
}

ChecksumCheck check_state_checksum(const Hdf5StateReader& reader) {
  ChecksumCheck check;
  try {
    const auto attrs = reader.root_attributes();
    const auto it = attrs.find(kChecksumAttribute);
    if (it == attrs.end()) {
      check.problem = "it has no '" + std::string(kChecksumAttribute) +
                      "' attribute, so it was not completely written by curvlab";
      return check;
    }
    check.stored = it->second;
    const StateChecksum sum = reader.compute_checksum();
    check.computed = format_crc32(sum.value());
    check.datasets = sum.datasets();
  } catch (const IoError& e) {
    check.problem = std::string("a dataset cannot be read: ") + e.what();
    return check;
  }
  check.ok = check.stored == check.computed;
  if (!check.ok) {
    check.problem = "checksum mismatch: stored " + check.stored + ", computed " + check.computed +
                    " over " + std::to_string(check.datasets) + " datasets";
  }
  return check;
}

std::unique_ptr<StateReader> open_state_file(const std::string& path) {
  auto reader = std::make_unique<Hdf5StateReader>(path, "checkpoint");
  std::map<std::string, std::string> attrs;
  try {
    attrs = reader->root_attributes();
  } catch (const IoError& e) {
    CURVLAB_THROW(IoError, "checkpoint '" + path + "' is truncated or damaged: its root "
                               "attributes cannot be read (" + e.what() + ")");
  }
  const auto format = attrs.find(kFormatAttribute);
  CURVLAB_CHECK(format != attrs.end(), IoError,
                "checkpoint '" + path + "' has no 'format' attribute: it is not a curvlab state "
                "file, or it was not completely written");
  CURVLAB_CHECK(format->second == kStateFormat, IoError,
                "checkpoint '" + path + "' has format '" + format->second + "', expected '" +
                    kStateFormat + "'; it was written by an incompatible curvlab version");
  const ChecksumCheck check = check_state_checksum(*reader);
  if (!check.ok) {
    const bool unreadable = check.computed.empty();
    CURVLAB_THROW(IoError, "checkpoint '" + path + "' is " +
                               (unreadable ? "truncated or damaged" : "corrupted") + " (" +
                               check.problem + "); delete it or resume from an older checkpoint");
  }
  return reader;
}

std::map<std::string, std::string> read_state_attributes(const std::string& path) {
  return Hdf5StateReader(path).root_attributes();
}

}  // namespace curvlab
