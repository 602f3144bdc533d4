// Reading a flow.h5 into the flow data set (see flow_data.h).
#include "engine/data/flow_data.h"

#include <torch/torch.h>

#include <filesystem>

#include "base/error.h"
#include "engine/checkpoint/hdf5_state_reader.h"

namespace curvlab {
namespace {

const char* kFixFlowFile =
    "; write one with the simulate job (curvlab run examples/cylinder_wake.toml) and point data.flow.file at "
    "its flow.h5";

std::unique_ptr<Hdf5StateReader> open_flow(const std::string& path) {
  CURVLAB_CHECK(!path.empty(), ConfigError, "data.dataset = \"flow\" needs data.flow.file (the path of a flow.h5)");
  CURVLAB_CHECK(std::filesystem::exists(path), IoError, "data.flow.file: " + path + " does not exist" + kFixFlowFile);
  try {
    return std::make_unique<Hdf5StateReader>(path, "flow file");
  } catch (const IoError& e) {
    throw IoError(std::string(e.what()) + kFixFlowFile, e.file().c_str(), e.line());
  }
}

void require(const Hdf5StateReader& in, const std::string& what) {
  CURVLAB_CHECK(in.has(what), IoError,
                in.file_path() + " has no '" + what + "': not a complete flow.h5 (docs/flow.md lists what one holds)" +
                    kFixFlowFile);
}

FlowFileInfo probe(const Hdf5StateReader& in, const FlowDataOptions& o) {
  require(in, o.field);
  require(in, "mask");
  const DatasetRecord r = in.describe(o.field);
  CURVLAB_CHECK(r.shape.size() == 3 && r.shape[0] > 0 && r.shape[1] > 0 && r.shape[2] > 0, IoError,
                in.file_path() + ": '" + o.field + "' must be [snapshots, H, W]" + kFixFlowFile);
  const DatasetRecord m = in.describe("mask");
  CURVLAB_CHECK(m.shape.size() == 2 && m.shape[0] == r.shape[1] && m.shape[1] == r.shape[2], IoError,
                in.file_path() + ": 'mask' must be [H, W] = [" + std::to_string(r.shape[1]) + ", " +
                    std::to_string(r.shape[2]) + "] like the field");
  return {r.shape[0], r.shape[1], r.shape[2]};
}

std::vector<std::int64_t> int_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kInt64).contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

}  // namespace

const std::vector<std::string>& flow_field_names() {
  static const std::vector<std::string> names = {"vorticity", "ux", "uy"};
  return names;
}

const std::vector<std::string>& flow_unit_names() {
  static const std::vector<std::string> names = {"nondimensional", "lattice"};
  return names;
}

FlowFileInfo probe_flow_file(const FlowDataOptions& o) {
  const auto in = open_flow(o.file);
  return probe(*in, o);
}

FlowData load_flow_data(const FlowDataOptions& o) {
  const auto in = open_flow(o.file);
  const FlowFileInfo info = probe(*in, o);
  CURVLAB_CHECK(o.train_snapshots >= 1 && o.test_snapshots >= 1, ConfigError,
                "data.flow.train_snapshots and test_snapshots must be >= 1");
  CURVLAB_CHECK(o.train_snapshots + o.test_snapshots <= info.snapshots, ConfigError,
                "data.flow: " + std::to_string(o.train_snapshots) + " training + " + std::to_string(o.test_snapshots) +
                    " test snapshots asked for, but " + o.file + " holds " + std::to_string(info.snapshots) +
                    "; lower them or simulate more snapshots (simulate.snapshots)");
  for (const char* p : {"x", "y", "params/center_x", "params/center_y", "params/diameter"}) require(*in, p);
  FlowData d;
  FlowGeometry& g = d.geometry;
  g.height = info.height;
  g.width = info.width;
  g.x = int_vector(in->read_tensor("x"));
  g.y = int_vector(in->read_tensor("y"));
  CURVLAB_CHECK(static_cast<std::int64_t>(g.x.size()) == g.width && static_cast<std::int64_t>(g.y.size()) == g.height,
                IoError, o.file + ": 'x' and 'y' must hold one lattice coordinate per column and row of the field");
  g.mask = in->read_tensor("mask").to(torch::kUInt8);
  g.center_x = in->read_double("params/center_x");
  g.center_y = in->read_double("params/center_y");
  g.diameter = in->read_double("params/diameter");
  if (o.units == "nondimensional") {
    require(*in, "params/u");
    const double u = in->read_double("params/u");
    CURVLAB_CHECK(u > 0 && g.diameter > 0, IoError,
                  o.file + ": params/u and params/diameter must be > 0 to make the field non-dimensional");
    d.scale = o.field == "vorticity" ? g.diameter / u : 1.0 / u;  // vorticity in U/D, velocities in U
  }
  const std::int64_t m = info.height * info.width, ntr = o.train_snapshots, nte = o.test_snapshots;
  const torch::Tensor all =
      (in->read_tensor(o.field).to(torch::kFloat64) * d.scale).to(torch::kFloat32).reshape({info.snapshots, m});
  CURVLAB_CHECK(torch::isfinite(all.narrow(0, 0, ntr + nte)).all().item<bool>(), IoError,
                o.file + ": '" + o.field + "' holds non-finite values (the simulation diverged?); simulate again "
                                          "with a lower Re or a finer grid");
  d.mean = all.narrow(0, 0, ntr).mean(0);
  d.train = (all.narrow(0, 0, ntr) - d.mean).contiguous();
  d.test = (all.narrow(0, ntr, nte) - d.mean).contiguous();
  if (in->has("step")) {
    const torch::Tensor steps = in->read_tensor("step").to(torch::kInt64);
    d.train_steps = steps.narrow(0, 0, ntr).contiguous();
    d.test_steps = steps.narrow(0, ntr, nte).contiguous();
  } else {
    d.train_steps = torch::arange(ntr, torch::kInt64);
    d.test_steps = torch::arange(ntr, ntr + nte, torch::kInt64);
  }
  place_flow_sensors(d, o.sensors);
  return d;
}

void place_flow_sensors(FlowData& d, const SensorOptions& sensors) {
  d.sensors = place_sensors(sensors, d.geometry);
  const torch::Tensor idx = d.sensors.index();
  d.train_readings = d.train.index_select(1, idx).contiguous();
  d.test_readings = d.test.index_select(1, idx).contiguous();
}

}  // namespace curvlab
