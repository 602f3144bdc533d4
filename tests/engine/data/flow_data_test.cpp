// The flow data set (engine/data/flow_data.cpp and its registry entry): a small flow.h5 in the
// simulate job's layout (docs/flow.md) written here -> split by time, the training mean removed
// (exact), the non-dimensional scaling (vorticity x D/U, velocities / U), readings = fields at the sensor pixels, the registry's shapes (inputs [N, 1, 1, s],
// targets [N, H*W]); and the bad files: missing, truncated, not HDF5, lacking the field or the
// mask, too few snapshots -> IoError / ConfigError naming the file and the fix.
#include "engine/data/flow_data.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/data_test_files.h"
#include "engine/data/dataset.h"

namespace curvlab {
namespace {

constexpr std::int64_t kT = 12, kH = 16, kW = 24;

// Writes a flow.h5 with a cylinder of diameter 6 centred at lattice (8, 8); the window starts at x = 4.
torch::Tensor write_flow(const std::string& path, bool with_field = true, bool with_mask = true) {
  torch::manual_seed(1);
  const torch::Tensor vort = torch::randn({kT, kH, kW});
  write_state_file(path, [&](StateWriter& w) {
    if (with_field) w.write_tensor("vorticity", vort);
    w.write_tensor("ux", vort * 2);
    w.write_tensor("uy", vort * 3);
    torch::Tensor mask = torch::zeros({kH, kW}, torch::kUInt8);
    for (std::int64_t r = 0; r < kH; ++r) {
      for (std::int64_t c = 0; c < kW; ++c) {
        if (std::hypot(static_cast<double>(c + 4) - 8, static_cast<double>(r) - 8) <= 3) mask[r][c] = 1;
      }
    }
    if (with_mask) w.write_tensor("mask", mask);
    w.write_tensor("x", torch::arange(4, 4 + kW, torch::kInt64));
    w.write_tensor("y", torch::arange(0, kH, torch::kInt64));
    w.write_tensor("step", torch::arange(kT, torch::kInt64) * 10 + 1000);
    w.write_double("params/center_x", 8);
    w.write_double("params/center_y", 8);
    w.write_double("params/diameter", 6);
    w.write_double("params/u", 0.1);
  }, {});
  return vort;
}

FlowDataOptions options(const std::string& file) {
  FlowDataOptions o;
  o.file = file;
  o.train_snapshots = 8;
  o.test_snapshots = 3;
  o.sensors.count = 4;
  return o;
}

TEST(FlowData, SplitsRemovesTheMeanAndReadsTheSensors) {
  testing::TempDir dir;
  const torch::Tensor vort = write_flow(dir / "flow.h5").reshape({kT, kH * kW});
  FlowDataOptions o = options(dir / "flow.h5");
  o.units = "lattice";
  const FlowData d = load_flow_data(o);
  FlowDataOptions nd = o;
  nd.units = "nondimensional";
  const FlowData n = load_flow_data(nd);
  EXPECT_DOUBLE_EQ(n.scale, 6 / 0.1);  // vorticity in U/D
  EXPECT_TRUE(torch::allclose(n.train, d.train * 60, 1e-5, 1e-4));
  const torch::Tensor mean = vort.slice(0, 0, 8).mean(0);
  EXPECT_TRUE(torch::allclose(d.mean, mean, 0, 1e-6));
  EXPECT_TRUE(torch::allclose(d.train, vort.slice(0, 0, 8) - mean, 0, 1e-6));
  EXPECT_TRUE(torch::allclose(d.test, vort.slice(0, 8, 11) - mean, 0, 1e-6));
  EXPECT_EQ(d.test_steps[0].item<std::int64_t>(), 1080);
  EXPECT_EQ(d.sensors.pixels.size(), 4u);
  EXPECT_TRUE(torch::equal(d.test_readings, d.test.index_select(1, d.sensors.index())));
  EXPECT_EQ(d.geometry.x.front(), 4);
  FlowDataOptions ux = o;
  ux.field = "ux";
  EXPECT_TRUE(torch::allclose(load_flow_data(ux).train, d.train * 2, 0, 1e-5));
  ux.units = "nondimensional";
  EXPECT_DOUBLE_EQ(load_flow_data(ux).scale, 10.0);  // velocities in U

  DataOptions spec;
  spec.dataset = "flow";
  spec.flow = o;
  const DatasetInfo info = probe_dataset(spec);
  EXPECT_EQ(info.sample_shape, (std::vector<std::int64_t>{1, 1, 4}));
  EXPECT_EQ(info.num_classes, kH * kW);
  const DataSplits s = load_data(spec, 0);
  EXPECT_EQ(s.train.inputs.sizes(), (std::vector<std::int64_t>{8, 1, 1, 4}));
  EXPECT_EQ(s.test.targets.sizes(), (std::vector<std::int64_t>{3, kH * kW}));
  EXPECT_TRUE(s.mean.empty());  // data.normalize does not apply
}

void expect_error(const FlowDataOptions& o, const std::string& needle, bool io) {
  try {
    load_flow_data(o);
    ADD_FAILURE() << "no error for " << needle;
  } catch (const IoError& e) {
    EXPECT_TRUE(io) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  } catch (const ConfigError& e) {
    EXPECT_FALSE(io) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(FlowData, BadFilesSayWhatIsWrong) {
  testing::TempDir dir;
  expect_error(options(dir / "missing.h5"), "does not exist; write one with the simulate job", true);
  write_flow(dir / "nofield.h5", /*with_field=*/false);
  expect_error(options(dir / "nofield.h5"), "has no 'vorticity'", true);
  write_flow(dir / "nomask.h5", true, /*with_mask=*/false);
  expect_error(options(dir / "nomask.h5"), "has no 'mask'", true);
  write_flow(dir / "flow.h5");
  const auto size = std::filesystem::file_size(dir / "flow.h5");
  std::filesystem::copy_file(dir / "flow.h5", dir / "cut.h5");
  std::filesystem::resize_file(dir / "cut.h5", size / 2);
  expect_error(options(dir / "cut.h5"), "cut.h5", true);
  std::ofstream(dir / "text.h5") << "not hdf5\n";
  expect_error(options(dir / "text.h5"), "text.h5", true);
  FlowDataOptions many = options(dir / "flow.h5");
  many.test_snapshots = 5;
  expect_error(many, "8 training + 5 test snapshots asked for, but", false);
  FlowDataOptions none = options("");
  expect_error(none, "needs data.flow.file", false);
}

}  // namespace
}  // namespace curvlab
