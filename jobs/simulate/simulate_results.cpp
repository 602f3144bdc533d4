// Writing and reading flow.h5 (see simulate_results.h; layout: docs/flow.md).
#include "jobs/simulate/simulate_results.h"

#include <cstdio>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"

namespace curvlab {

const std::vector<std::string>& flow_param_names() {
  static const std::vector<std::string> names = {
      "re", "tau", "u", "diameter", "center_x", "center_y", "nx", "ny", "warmup_steps", "snapshot_every",
      "snapshots", "strouhal", "mlups"};
  return names;
}

void write_flow_file(const std::string& path, const FlowRecord& r, std::map<std::string, std::string> attributes) {
  for (const std::string& name : flow_param_names()) {
    CURVLAB_CHECK(r.params.count(name) == 1, Error, "flow.h5: parameter " + name + " missing (a bug)");
  }
  for (const auto& [name, value] : r.params) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%.17g", value);
    attributes.emplace(name, buf);
  }
  write_state_file(path, [&](StateWriter& w) {
    w.write_tensor("vorticity", r.vorticity);
    w.write_tensor("ux", r.ux);
    w.write_tensor("uy", r.uy);
    w.write_tensor("mask", r.mask);
    w.write_tensor("x", r.x);
    w.write_tensor("y", r.y);
    w.write_tensor("step", r.step);
    w.write_tensor("lift", r.lift);
    w.write_tensor("drag", r.drag);
    w.write_tensor("lift_step", r.lift_step);
    for (const auto& [name, value] : r.params) w.write_double("params/" + name, value);
  }, attributes);
}

FlowRecord read_flow_file(const std::string& path) {
  const std::unique_ptr<StateReader> in = open_state_file(path);
  FlowRecord r;
  r.vorticity = in->read_tensor("vorticity");
  r.ux = in->read_tensor("ux");
  r.uy = in->read_tensor("uy");
  r.mask = in->read_tensor("mask");
  r.x = in->read_tensor("x");
  r.y = in->read_tensor("y");
  r.step = in->read_tensor("step");
  r.lift = in->read_tensor("lift");
  r.drag = in->read_tensor("drag");
  r.lift_step = in->read_tensor("lift_step");
  for (const std::string& name : in->children("params")) r.params[name] = in->read_double("params/" + name);
  return r;
}

}  // namespace curvlab
