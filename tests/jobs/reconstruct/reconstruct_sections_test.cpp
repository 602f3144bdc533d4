// [reconstruct] and [data.flow] (jobs/reconstruct/reconstruct_sections.cpp, jobs/job_parser.cpp):
// defaults, every key read, and the errors at their keys: a data set that is not "flow", no flow
// file, an empty or repeated sensor count, more sensors than training snapshots, an unknown method
// (did-you-mean), a plot snapshot outside the test split, a classification task for the decoder,
// wall_distance inside the cylinder, batch_norm on another model.
#include "jobs/reconstruct/reconstruct_sections.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

const std::string kHead =
    "[job]\nname = \"r\"\nkind = \"reconstruct\"\noutput_dir = \"/tmp/curvlab_reconstruct_sections\"\n"
    "[data]\ndataset = \"flow\"\n[data.flow]\nfile = \"runs/w/flow.h5\"\n";

JobSpec parse(const std::string& body) { return parse_job_text(kHead + body, "r.toml"); }

std::string error_of(const std::string& body, const std::string& head = kHead) {
  try {
    parse_job_text(head + body, "r.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ReconstructSections, Defaults) {
  const JobSpec s = parse("");
  const ReconstructStudyOptions& o = s.reconstruct;
  EXPECT_EQ(o.sensor_counts, (std::vector<std::int64_t>{3, 5, 10, 20}));
  EXPECT_EQ(o.methods.size(), 3u);
  EXPECT_EQ(o.pod_plus_ridge, 1e-6);
  EXPECT_TRUE(o.plots);
  EXPECT_EQ(s.data.flow.field, "vorticity");
  EXPECT_EQ(s.data.flow.train_snapshots, 100);
  EXPECT_EQ(s.data.flow.test_snapshots, 51);
  EXPECT_EQ(s.data.flow.sensors.placement, SensorPlacement::kWall);
}

TEST(ReconstructSections, ReadsEveryKey) {
  const JobSpec s = parse(
      "field = \"uy\"\ntrain_snapshots = 50\ntest_snapshots = 20\nsensors = 7\nplacement = \"random\"\n"
      "sensor_seed = 9\nwall_distance = 0.8\n[model]\nname = \"shallow_decoder\"\nbatch_norm = \"shared\"\n"
      "[reconstruct]\nsensor_counts = [2, 4]\nmethods = [\"pod\", \"decoder\"]\npod_plus_ridge = 0.01\n"
      "pod_plus_modes = 6\nplot_snapshot = 3\nplot_sensors = 4\nplots = false\n");
  const FlowDataOptions& f = s.data.flow;
  EXPECT_EQ(f.field, "uy");
  EXPECT_EQ(f.train_snapshots, 50);
  EXPECT_EQ(f.test_snapshots, 20);
  EXPECT_EQ(f.sensors.count, 7);
  EXPECT_EQ(f.sensors.placement, SensorPlacement::kRandom);
  EXPECT_EQ(f.sensors.seed, 9u);
  EXPECT_EQ(f.sensors.wall_distance, 0.8);
  EXPECT_EQ(s.model.batch_norm, DecoderNorm::kShared);
  const ReconstructStudyOptions& o = s.reconstruct;
  EXPECT_EQ(o.sensor_counts, (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(o.methods, (std::vector<ReconstructMethod>{ReconstructMethod::kPod, ReconstructMethod::kDecoder}));
  EXPECT_EQ(o.pod_plus_ridge, 0.01);
  EXPECT_EQ(o.pod_plus_modes, 6);
  EXPECT_EQ(o.plot_snapshot, 3);
  EXPECT_EQ(o.plot_sensors, 4);
  EXPECT_FALSE(o.plots);
}

TEST(ReconstructSections, ErrorsPointAtTheKey) {
  const std::string head =
      "[job]\nname = \"r\"\nkind = \"reconstruct\"\noutput_dir = \"/tmp/x\"\n[data]\ndataset = \"synthetic\"\n";
  EXPECT_NE(error_of("", head).find("set dataset = \"flow\" under [data]"), std::string::npos);
  const std::string nofile = "[job]\nname = \"r\"\nkind = \"reconstruct\"\noutput_dir = \"/tmp/x\"\n[data]\n"
                             "dataset = \"flow\"\n";
  EXPECT_NE(error_of("", nofile).find("needs data.flow.file"), std::string::npos);
  EXPECT_NE(error_of("[reconstruct]\nsensor_counts = []\n").find("at least one number of sensors"), std::string::npos);
  EXPECT_NE(error_of("[reconstruct]\nsensor_counts = [3, 3]\n").find("has a count twice"), std::string::npos);
  const std::string many = error_of("[reconstruct]\nsensor_counts = [3, 120]\n");
  EXPECT_NE(many.find("r.toml:"), std::string::npos) << many;
  EXPECT_NE(many.find("only 100 training snapshots"), std::string::npos) << many;
  EXPECT_NE(error_of("[reconstruct]\nmethods = [\"podplus\"]\n").find("pod_plus"), std::string::npos);
  EXPECT_NE(error_of("[reconstruct]\nmethods = []\n").find("at least one of"), std::string::npos);
  EXPECT_NE(error_of("[reconstruct]\nplot_snapshot = 51\n").find("0 to 50"), std::string::npos);
  EXPECT_NE(error_of("[train]\ntask = \"classification\"\n").find("trained for regression"), std::string::npos);
  EXPECT_NE(error_of("wall_distance = 0.4\n").find("wall_distance"), std::string::npos);
  EXPECT_NE(error_of("field = \"pressure\"\n").find("vorticity"), std::string::npos);
  const std::string bn_head = "[job]\nname = \"t\"\noutput_dir = \"/tmp/x\"\n";
  EXPECT_NE(error_of("[model]\nname = \"mlp\"\nbatch_norm = \"shared\"\n", bn_head).find("shallow_decoder only"),
            std::string::npos);
  EXPECT_NE(error_of("[model]\nname = \"shallow_decoder\"\nwidths = [4]\n", bn_head).find("two hidden widths"),
            std::string::npos);
  // A train job on the flow data set must say it is regression.
  const std::string train_flow = "[job]\nname = \"t\"\noutput_dir = \"/tmp/x\"\n[data]\ndataset = \"flow\"\n"
                                 "[data.flow]\nfile = \"f.h5\"\n";
  EXPECT_NE(error_of("", train_flow).find("set task = \"regression\""), std::string::npos);
  EXPECT_EQ(error_of("[train]\ntask = \"regression\"\n", train_flow), "");
}

}  // namespace
}  // namespace curvlab
