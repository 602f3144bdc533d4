// Implementation of `curvlab inspect`: attributes, dataset tree with statistics, checksum state.
#include "engine/checkpoint/inspect.h"

#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <sstream>
#include <vector>

#include "engine/checkpoint/hdf5_state_reader.h"
#include "engine/checkpoint/state_checksum.h"
#include "engine/checkpoint/state_file.h"
#include "base/error.h"

namespace curvlab {
namespace {

constexpr std::size_t kShortText = 72;  // strings up to this long (one line) are shown whole
constexpr int kPreviewLines = 5;        // lines shown of a long text attribute

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool is_short(const std::string& s) {
  return s.size() <= kShortText && s.find('\n') == std::string::npos;
}

void print_text(const std::string& name, const std::string& value, std::ostream& out) {
  if (is_short(value)) {
    out << "  " << name << " = " << value << "\n";
    return;
  }
  std::vector<std::string> lines;
  std::istringstream in(value);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  out << "  " << name << " = (" << value.size() << " bytes, " << lines.size() << " lines)\n";
  for (int i = 0; i < kPreviewLines && i < static_cast<int>(lines.size()); ++i) {
    out << "      | " << lines[i] << "\n";
  }
  if (static_cast<int>(lines.size()) > kPreviewLines) out << "      | ...\n";
}

// "numel 200  min -0.1  max 0.2  mean 0.01  norm 1.3", or the value of a one-element tensor.
std::string tensor_summary(const torch::Tensor& t) {
  if (t.numel() == 0) return "numel 0";
  if (t.scalar_type() == torch::kBool) {
    const auto n_true = t.sum().item<std::int64_t>();
    if (t.numel() == 1) return std::string("= ") + (n_true ? "true" : "false");
    return "numel " + std::to_string(t.numel()) + "  true " + std::to_string(n_true);
  }
  const torch::Tensor d = t.to(torch::kFloat64);
  if (t.numel() == 1) return "= " + number(d.item<double>());
  return "numel " + std::to_string(t.numel()) + "  min " + number(d.min().item<double>()) +
         "  max " + number(d.max().item<double>()) + "  mean " + number(d.mean().item<double>()) +
         "  norm " + number(d.norm().item<double>());
}

void print_dataset(const Hdf5StateReader& reader, const std::string& path, const std::string& name,
                   int depth, std::ostream& out) {
  const std::string indent(static_cast<std::size_t>(2 * depth + 2), ' ');
  try {
    const DatasetRecord rec = reader.describe(path);
    out << indent << name << "  " << rec.dtype << " [" << shape_key(rec.shape) << "]  ";
    if (rec.dtype == "string") {
      const std::string value = reader.read_string(path);
      out << (is_short(value) ? "= \"" + value + "\"" : "(" + std::to_string(value.size()) +
                                                           " bytes)");
    } else {
      out << tensor_summary(reader.read_tensor(path));
    }
    out << "\n";
  } catch (const IoError& e) {
    out << "\n" << indent << name << "  UNREADABLE: " << e.what() << "\n";
  }
}

void print_tree(const Hdf5StateReader& reader, const std::string& group, int depth,
                std::ostream& out) {
  for (const auto& name : reader.children(group)) {
    const std::string path = group.empty() ? name : group + "/" + name;
    if (reader.is_group(path)) {
      out << std::string(static_cast<std::size_t>(2 * depth + 2), ' ') << name << "/\n";
      print_tree(reader, path, depth + 1, out);
    } else {
      print_dataset(reader, path, name, depth, out);
    }
  }
}

}  // namespace

void inspect_state_file(const std::string& path, std::ostream& out) {
  const Hdf5StateReader reader(path);
  struct stat st {};
  ::stat(path.c_str(), &st);
  out << "file: " << path << " (" << st.st_size << " bytes)\n";

  std::map<std::string, std::string> attrs;
  try {
    attrs = reader.root_attributes();
  } catch (const IoError& e) {
    out << "attributes: UNREADABLE: " << e.what() << "\n";
  }
  out << "attributes:\n";
  for (const auto& [name, value] : attrs) print_text(name, value, out);
  const auto format = attrs.find(kFormatAttribute);
  if (format == attrs.end()) {
    out << "warning: no 'format' attribute; this is not a curvlab state file\n";
  } else if (format->second != kStateFormat) {
    out << "warning: format '" << format->second << "' is not '" << kStateFormat << "'\n";
  }

  out << "tree:\n";
  print_tree(reader, "", 0, out);

  const ChecksumCheck check = check_state_checksum(reader);
  if (check.ok) {
    out << "checksum: valid (crc32 " << check.computed << " over " << check.datasets
        << " datasets)\n";
  } else {
    out << "checksum: INVALID (" << check.problem << ")\n";
  }
}

}  // namespace curvlab
