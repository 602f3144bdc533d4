// Implementation of the Checkpointer: file naming, keep-last rotation and the newest-valid
// search. Writing and verifying single files is state_file.cpp's job.
#include "engine/checkpoint/checkpointer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <system_error>
#include <utility>

#include "base/error.h"
#include "base/log.h"

namespace curvlab {
namespace fs = std::filesystem;

namespace {
// ckpt_00000100.h5 -> 100; -1 for any other name (temp files "*.h5.tmp.<pid>" included).
std::int64_t step_of(const std::string& name) {
  static const std::regex kName(R"(ckpt_([0-9]{8,18})\.h5)");
  std::smatch m;
  if (!std::regex_match(name, m, kName)) return -1;
  return std::stoll(m[1].str());
}

std::string file_name_for(std::int64_t step) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "ckpt_%08lld.h5", static_cast<long long>(step));
  return buf;
}

// (step, path) of every checkpoint in `dir`, oldest first.
std::vector<std::pair<std::int64_t, std::string>> scan(const std::string& dir) {
  std::vector<std::pair<std::int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return found;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::int64_t step = step_of(entry.path().filename().string());
    if (step >= 0 && entry.is_regular_file(ec)) found.emplace_back(step, entry.path().string());
  }
  CURVLAB_CHECK(!ec, IoError, "cannot list checkpoint directory '" + dir + "': " + ec.message());
  std::sort(found.begin(), found.end());
  return found;
}
}  // namespace

Checkpointer::Checkpointer(std::string dir, std::int64_t keep_last)
    : dir_(std::move(dir)), keep_last_(keep_last) {
  CURVLAB_CHECK(!dir_.empty(), ConfigError,
                "checkpoint directory is empty; set the checkpoint directory in the job file");
  CURVLAB_CHECK(keep_last_ >= 1, ConfigError,
                "checkpoint keep_last must be >= 1 (got " + std::to_string(keep_last_) +
                    "); set it in the job file's checkpoint section");
}

std::string Checkpointer::save(std::int64_t step, const std::function<void(StateWriter&)>& fill,
                               const std::map<std::string, std::string>& attributes) {
  CURVLAB_CHECK(step >= 0, IoError,
                "cannot save a checkpoint for negative step " + std::to_string(step));
  std::error_code ec;
  fs::create_directories(dir_, ec);
  CURVLAB_CHECK(!ec, IoError,
                "cannot create checkpoint directory '" + dir_ + "': " + ec.message() +
                    "; check the path and its permissions");
  const std::string path = (fs::path(dir_) / file_name_for(step)).string();
  write_state_file(path, fill, attributes);

  // Rotation: drop the oldest others until keep_last remain; never the file just written (after
  // resuming from an older checkpoint it may not be the newest one on disk).
  auto present = scan(dir_);
  std::int64_t excess = static_cast<std::int64_t>(present.size()) - keep_last_;
  for (const auto& [old_step, old_path] : present) {
    if (excess <= 0) break;
    if (old_step == step) continue;
    fs::remove(old_path, ec);
    CURVLAB_CHECK(!ec, IoError,
                  "cannot remove old checkpoint '" + old_path + "': " + ec.message());
    --excess;
  }
  return path;
}

std::vector<std::string> Checkpointer::list() const {
  std::vector<std::string> out;
  for (const auto& [step, path] : scan(dir_)) out.push_back(path);
  return out;
}

std::optional<std::string> Checkpointer::latest_valid() const {
  const std::vector<std::string> all = list();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      open_state_file(*it);
      return *it;
    } catch (const IoError& e) {
      const bool older_left = std::next(it) != all.rend();
      // Every rank reads the same files and skips the same ones: one line, from rank 0.
      log::warn("skipping checkpoint " + *it + ": " + e.what() +
                (older_left ? "; using the next older one" : "; no older checkpoint is left"));
    }
  }
  return std::nullopt;
}

}  // namespace curvlab
