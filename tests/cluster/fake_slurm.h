// Fake Slurm commands for the cluster tests: a scratch bin/ directory with a shell script standing in
// for sbatch or scontrol (it logs its arguments and prints a chosen answer), and a guard that puts
// only that directory on PATH for the test's scope.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace curvlab {
namespace testing_cluster {

// A scratch directory (removed at the end) with a bin/ folder for fake commands.
struct FakeBin {
  std::filesystem::path root;
  explicit FakeBin(const std::string& name)
      : root(std::filesystem::temp_directory_path() / ("curvlab_fake_slurm_" + name + "_" + std::to_string(getpid()))) {
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "bin");
  }
  ~FakeBin() { std::filesystem::remove_all(root); }
  std::string bin() const { return (root / "bin").string(); }
  std::string log() const { return (root / "args.log").string(); }
  // A command `name` that appends its arguments to log(), prints `output` and exits with `status`.
  // Only shell builtins are used: PATH holds nothing but bin().
  void add(const std::string& name, const std::string& output, int status) const {
    const auto path = root / "bin" / name;
    std::ofstream(path) << "#!/bin/sh\necho \"$@\" >> '" << log() << "'\nprintf '%s' '" << output << "'\nexit "
                        << status << "\n";
    ::chmod(path.c_str(), 0755);
  }
  std::string logged() const {
    std::ifstream f(log());
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
};

// PATH = `path` while it lives.
struct PathGuard {
  std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  explicit PathGuard(const std::string& path) { ::setenv("PATH", path.c_str(), 1); }
  ~PathGuard() { ::setenv("PATH", saved.c_str(), 1); }
};

}  // namespace testing_cluster
}  // namespace curvlab
