// An in-memory StateWriter + StateReader for the algorithms tests: save_state / load_state round
// trips and the paths a report writes, without HDF5.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "base/state_io.h"

namespace curvlab {
namespace testing_state {

class MapState : public StateWriter, public StateReader {
 public:
  std::map<std::string, torch::Tensor> t;
  std::map<std::string, std::int64_t> i;
  std::map<std::string, double> d;
  std::map<std::string, std::string> s;
  void write_tensor(const std::string& p, const torch::Tensor& v) override { t[p] = v.clone(); }
  void write_int(const std::string& p, std::int64_t v) override { i[p] = v; }
  void write_double(const std::string& p, double v) override { d[p] = v; }
  void write_string(const std::string& p, const std::string& v) override { s[p] = v; }
  bool has(const std::string& p) const override { return t.count(p) || i.count(p) || d.count(p) || s.count(p); }
  std::vector<std::string> children(const std::string&) const override { return {}; }
  torch::Tensor read_tensor(const std::string& p) const override { return t.at(p); }
  std::int64_t read_int(const std::string& p) const override { return i.at(p); }
  double read_double(const std::string& p) const override { return d.at(p); }
  std::string read_string(const std::string& p) const override { return s.at(p); }
  // Every path written, sorted.
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& m : t) out.push_back(m.first);
    for (const auto& m : i) out.push_back(m.first);
    for (const auto& m : d) out.push_back(m.first);
    for (const auto& m : s) out.push_back(m.first);
    std::sort(out.begin(), out.end());
    return out;
  }
};

}  // namespace testing_state
}  // namespace curvlab
