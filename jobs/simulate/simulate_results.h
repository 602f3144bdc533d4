// flow.h5, the file a simulate job writes (and the reconstruct job reads): snapshots of vorticity
// and velocity on the crop window, the cylinder mask, the lattice indices of the window, the lift
// and drag signals, and the parameters (docs/flow.md, "flow.h5"). Not for: running the solver.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace curvlab {

struct FlowRecord {
  torch::Tensor vorticity, ux, uy;  // float32 [T, H, W], lattice units
  torch::Tensor mask;               // uint8 [H, W], 1 = solid
  torch::Tensor x, y;               // int64 [W], [H]: lattice indices of the columns and rows
  torch::Tensor step;               // int64 [T]
  torch::Tensor lift, drag;         // float64 [S]: C_L, C_D after warmup
  torch::Tensor lift_step;          // int64 [S]
  std::map<std::string, double> params;  // params/<name> (re, tau, u, diameter, ..., strouhal, mlups)
};

// The parameter names every flow.h5 holds under params/ (in this order in docs/flow.md).
const std::vector<std::string>& flow_param_names();

// Writes `record` atomically (write_state_file) with `attributes` as root string attributes; each
// parameter is mirrored as a root attribute (its %.17g text).
void write_flow_file(const std::string& path, const FlowRecord& record,
                     std::map<std::string, std::string> attributes);

// Reads a flow.h5 back (checksum verified).
FlowRecord read_flow_file(const std::string& path);

}  // namespace curvlab
