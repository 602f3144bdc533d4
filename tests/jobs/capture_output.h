// Test helpers for jobs tests: a scratch directory removed at the end, capturing what is written to
// stdout or stderr (file descriptor 1 or 2) while alive, and a communicator of several "ranks" whose
// abort throws (so the failure policy can be observed in one process).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "comm/communicator.h"

namespace curvlab::jobs_test {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_((std::filesystem::temp_directory_path() / ("curvlab_jobs_" + name + "_" + std::to_string(getpid()))).string()) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Redirects file descriptor `fd` (1: stdout, 2: stderr) into a file while alive.
class Capture {
 public:
  explicit Capture(int fd) : fd_(fd), path_(std::filesystem::temp_directory_path() / ("curvlab_capture_" + std::to_string(getpid()) + "_" + std::to_string(fd))) {
    std::fflush(nullptr);
    saved_ = ::dup(fd_);
    FILE* f = std::fopen(path_.c_str(), "w");
    ::dup2(::fileno(f), fd_);
    std::fclose(f);
  }
  ~Capture() {
    stop();
    std::filesystem::remove(path_);
  }
  // Ends the redirection; text() still returns what was captured.
  void stop() {
    if (saved_ < 0) return;
    std::fflush(nullptr);
    ::dup2(saved_, fd_);
    ::close(saved_);
    saved_ = -1;
  }
  std::string text() {
    std::fflush(nullptr);
    return read_file(path_.string());
  }

 private:
  int fd_;
  std::filesystem::path path_;
  int saved_ = -1;
};

struct Aborted {
  int exit_code;
};

// `size` ranks of which this is rank 0; collectives do nothing, abort throws Aborted.
class AbortingRanks : public Communicator {
 public:
  explicit AbortingRanks(int size) : size_(size) {}
  int rank() const override { return 0; }
  int size() const override { return size_; }
  int local_rank() const override { return 0; }
  int local_size() const override { return size_; }
  std::string backend() const override { return "fake"; }
  void barrier() override { ++barriers; }
  WorkPtr allreduce_async(std::vector<torch::Tensor>, ReduceOp) override { return std::make_shared<CompletedWork>(); }
  WorkPtr broadcast_async(std::vector<torch::Tensor>, int) override { return std::make_shared<CompletedWork>(); }
  WorkPtr allgather_async(torch::Tensor input, std::vector<torch::Tensor>* outputs) override {
    outputs->assign(static_cast<std::size_t>(size_), input);
    return std::make_shared<CompletedWork>();
  }
  WorkPtr reduce_scatter_async(torch::Tensor, torch::Tensor, ReduceOp) override {
    return std::make_shared<CompletedWork>();
  }
  [[noreturn]] void abort(int exit_code) override { throw Aborted{exit_code}; }
  int barriers = 0;

 private:
  int size_;
};

}  // namespace curvlab::jobs_test
