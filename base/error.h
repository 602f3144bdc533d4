// Typed exceptions for all of curvlab; each carries the source file:line and the rank that threw.
// Not for: formatting of user-facing reports (jobs/cli does that) or exit codes (see exit_code()).
#pragma once

#include <stdexcept>
#include <string>

namespace curvlab {

// Base of every curvlab error. what() is the user-facing message; where() is "file:line, rank R".
class Error : public std::runtime_error {
 public:
  Error(const std::string& message, const char* file, int line);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int rank() const { return rank_; }
  std::string where() const;
  // Process exit status for this error (see docs/cli.md): 2 config, 3 numerics, 4 I/O, 5 comm.
  virtual int exit_code() const { return 1; }

 private:
  std::string file_;
  int line_;
  int rank_;
};

// Bad job file, bad command line, bad settings: the user must change the input.
class ConfigError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

// NaN/Inf losses, failed decompositions, non-finite checkpoints.
class NumericsError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 3; }
};

// A training run diverged: a non-finite loss, or a non-finite parameter before a checkpoint. Raised
// on values every rank holds equal, so every rank raises it at the same step (a sweep records the
// run as diverged and goes on).
class DivergenceError : public NumericsError {
 public:
  using NumericsError::NumericsError;
};

// Files: data sets, checkpoints (HDF5), results, output directories.
class IoError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 4; }
};

// MPI / NCCL / CUDA failures and rank-level failures.
class CommError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 5; }
};

// The rank that this process is (set once the communicator is up; -1 before).
void set_process_rank(int rank);
int process_rank();

}  // namespace curvlab

// Throws Type(msg) stamped with the current file and line.
#define CURVLAB_THROW(Type, msg) throw Type((msg), __FILE__, __LINE__)
// Throws Type(msg) unless cond holds.
#define CURVLAB_CHECK(cond, Type, msg)   \
  do {                                   \
    if (!(cond)) CURVLAB_THROW(Type, msg); \
  } while (0)
