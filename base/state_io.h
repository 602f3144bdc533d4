// The save/load interface that everything surviving a restart implements, and the reader/writer
// it talks to. Paths are "/"-separated ("model/conv1.weight", "optimizer/momentum/fc.bias"):
// every component but the last is an HDF5 group, the last a dataset (a tensor or a scalar).
// Not for: files, checksums or atomic writes (engine/checkpoint/checkpointer.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace curvlab {

class StateWriter {
 public:
  virtual ~StateWriter() = default;
  // Tensors keep their dtype (float32/64, int64/32, uint8, bool) and shape; CPU copies are written.
  virtual void write_tensor(const std::string& path, const torch::Tensor& value) = 0;
  virtual void write_int(const std::string& path, std::int64_t value) = 0;
  virtual void write_double(const std::string& path, double value) = 0;
  virtual void write_string(const std::string& path, const std::string& value) = 0;
};

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual bool has(const std::string& path) const = 0;
  // Names directly under a group ("" = root), sorted; empty when the group does not exist.
  virtual std::vector<std::string> children(const std::string& group) const = 0;
  // Each read throws IoError naming the file and path when it is missing or of another type.
  virtual torch::Tensor read_tensor(const std::string& path) const = 0;
  virtual std::int64_t read_int(const std::string& path) const = 0;
  virtual double read_double(const std::string& path) const = 0;
  virtual std::string read_string(const std::string& path) const = 0;
};

// Anything with state that must survive a restart: model, optimizer, K-FAC, loader, schedules.
class Stateful {
 public:
  virtual ~Stateful() = default;
  virtual void save_state(StateWriter& out, const std::string& prefix) const = 0;
  virtual void load_state(const StateReader& in, const std::string& prefix) = 0;
};

}  // namespace curvlab
