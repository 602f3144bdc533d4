// CIFAR-10 binary reading: one fread per file into a record buffer, then one strided copy.
#include "engine/data/cifar_reader.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "base/error.h"

namespace curvlab {
namespace {

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string cifar10_dir(const std::string& root) {
  for (const std::string& d : {root, root + "/cifar-10-batches-bin"}) {
    if (is_file(d + "/data_batch_1.bin")) return d;
  }
  return "";
}

std::vector<std::string> cifar10_files(const std::string& dir, bool train) {
  if (!train) return {dir + "/test_batch.bin"};
  std::vector<std::string> files;
  for (int i = 1; i <= 5; ++i) files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
  return files;
}

std::int64_t cifar10_records(const std::string& path) {
  struct stat st;
  CURVLAB_CHECK(::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode), IoError,
                path + ": missing (CIFAR-10 binary version expected)");
  const std::int64_t size = st.st_size;
  CURVLAB_CHECK(size % kCifarRecordBytes == 0, IoError,
                path + ": size " + std::to_string(size) + " bytes is not a multiple of the " +
                    std::to_string(kCifarRecordBytes) +
                    "-byte record (1 label + 3072 pixels): truncated or not the binary version");
  return size / kCifarRecordBytes;
}

CifarSplit read_cifar10(const std::vector<std::string>& files, std::int64_t limit) {
  std::vector<std::int64_t> counts;
  std::int64_t total = 0;
  for (const auto& f : files) {
    counts.push_back(cifar10_records(f));
    total += counts.back();
  }
  const std::int64_t n = limit > 0 ? std::min(limit, total) : total;
  // Raw records [n, 3073] first; labels and pixels are then two strided views of it.
  auto raw = torch::empty({n, kCifarRecordBytes}, torch::kUInt8);
  std::int64_t filled = 0;
  for (size_t i = 0; i < files.size() && filled < n; ++i) {
    const std::int64_t take = std::min(counts[i], n - filled);
    std::unique_ptr<FILE, int (*)(FILE*)> fp(std::fopen(files[i].c_str(), "rb"), &std::fclose);
    CURVLAB_CHECK(fp != nullptr, IoError, files[i] + ": cannot open for reading");
    const size_t got = std::fread(raw.data_ptr<std::uint8_t>() + filled * kCifarRecordBytes, kCifarRecordBytes,
                                  static_cast<size_t>(take), fp.get());
    CURVLAB_CHECK(static_cast<std::int64_t>(got) == take, IoError,
                  files[i] + ": read only " + std::to_string(got) + " of " + std::to_string(take) +
                      " records (truncated while reading)");
    filled += take;
  }
  CifarSplit out;
  out.labels = raw.select(1, 0).to(torch::kInt64);
  out.images = raw.narrow(1, 1, kCifarRecordBytes - 1).reshape({n, kCifarChannels, kCifarSide, kCifarSide}).contiguous();
  auto bad = out.labels.ge(kCifarClasses).nonzero();
  if (bad.size(0) > 0) {
    const std::int64_t first = bad[0][0].item<std::int64_t>();
    CURVLAB_THROW(IoError, "CIFAR-10 record " + std::to_string(first) + " (counting over " + files[0] +
                               " and the following files) has label " +
                               std::to_string(out.labels[first].item<std::int64_t>()) +
                               " >= 10: not the CIFAR-10 binary version (CIFAR-100 has 2 label bytes)");
  }
  return out;
}

}  // namespace curvlab
