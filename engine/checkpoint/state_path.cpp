// Implementation of state path splitting and normalization.
#include "engine/checkpoint/state_path.h"

#include "base/error.h"

namespace curvlab {

std::vector<std::string> split_state_path(const std::string& path, const std::string& h5_file,
                                          bool allow_root) {
  std::string rest = path;
  if (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  std::vector<std::string> parts;
  if (rest.empty()) {
    CURVLAB_CHECK(allow_root, IoError,
                  "empty state path for '" + h5_file + "': every tensor or scalar needs a name "
                  "such as \"model/fc.weight\"");
    return parts;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = rest.find('/', start);
    const std::string part =
        rest.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    CURVLAB_CHECK(!part.empty() && part != "." && part != "..", IoError,
                  "bad state path '" + path + "' for '" + h5_file + "': components must be "
                  "non-empty and not \".\" or \"..\" (use names like \"optimizer/step\")");
    parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string join_state_path(const std::vector<std::string>& parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out;
}

}  // namespace curvlab
