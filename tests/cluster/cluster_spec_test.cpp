// The [cluster] section of a job file: defaults, a full valid section, and each bad value's
// message (file:line:col, the key, what is allowed) and exit status 2.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

const std::string kJob = "[job]\noutput_dir = \"out\"\n";

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_job_text(text, "job.toml", overrides);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "<parsed without error>";
}

TEST(ClusterOptions, DefaultsWhenAbsent) {
  const JobSpec spec = parse_job_text(kJob, "job.toml");
  EXPECT_EQ(spec.cluster.nodes, 1);
  EXPECT_EQ(spec.cluster.tasks_per_node, 1);
  EXPECT_EQ(spec.cluster.gpus_per_node, 0);
  EXPECT_EQ(spec.cluster.time, "01:00:00");
  EXPECT_EQ(launcher_names().name(spec.cluster.launcher), "srun");
  EXPECT_EQ(spec.cluster.srun_mpi, "pmix");
  EXPECT_EQ(spec.cluster.signal_seconds, 120);
  EXPECT_TRUE(spec.cluster.requeue);
  EXPECT_TRUE(spec.cluster.sbatch.empty());
}

TEST(ClusterOptions, FullSection) {
  const JobSpec spec = parse_job_text(kJob +
                                          "[cluster]\nnodes = 4\ntasks_per_node = 8\ngpus_per_node = 8\n"
                                          "cpus_per_task = 6\ntime = \"2-00:00:00\"\npartition = \"gpu\"\n"
                                          "account = \"proj-42\"\nqos = \"high\"\nmem = \"480G\"\n"
                                          "launcher = \"mpirun\"\nmpirun_args = [\"--bind-to\", \"none\"]\n"
                                          "signal_seconds = 300\nrequeue = false\narray_throttle = 4\n"
                                          "modules = [\"cuda/12.1\", \"openmpi/4.1\"]\n"
                                          "setup = [\"source ~/venv/bin/activate\"]\n"
                                          "sbatch = [\"--exclusive\", \"--constraint=a100\"]\n"
                                          "executable = \"/opt/curvlab/bin/curvlab\"\n",
                                      "job.toml");
  const ClusterOptions& c = spec.cluster;
  EXPECT_EQ(c.nodes, 4);
  EXPECT_EQ(c.tasks_per_node, 8);
  EXPECT_EQ(c.gpus_per_node, 8);
  EXPECT_EQ(c.cpus_per_task, 6);
  EXPECT_EQ(c.time, "2-00:00:00");
  EXPECT_EQ(c.partition, "gpu");
  EXPECT_EQ(c.account, "proj-42");
  EXPECT_EQ(c.qos, "high");
  EXPECT_EQ(c.mem, "480G");
  EXPECT_EQ(launcher_names().name(c.launcher), "mpirun");
  EXPECT_EQ(c.mpirun_args, (std::vector<std::string>{"--bind-to", "none"}));
  EXPECT_EQ(c.signal_seconds, 300);
  EXPECT_FALSE(c.requeue);
  EXPECT_EQ(c.array_throttle, 4);
  EXPECT_EQ(c.modules, (std::vector<std::string>{"cuda/12.1", "openmpi/4.1"}));
  EXPECT_EQ(c.setup, (std::vector<std::string>{"source ~/venv/bin/activate"}));
  EXPECT_EQ(c.sbatch, (std::vector<std::string>{"--exclusive", "--constraint=a100"}));
  EXPECT_EQ(c.executable, "/opt/curvlab/bin/curvlab");
}

TEST(ClusterOptions, OverridesFromTheCommandLine) {
  // `curvlab submit --nodes 2 --time 00:30:00` becomes these --set overrides.
  const JobSpec spec = parse_job_text(kJob + "[cluster]\nnodes = 4\n", "job.toml",
                                      {"cluster.nodes=2", "cluster.time=00:30:00", "cluster.partition=debug"});
  EXPECT_EQ(spec.cluster.nodes, 2);
  EXPECT_EQ(spec.cluster.time, "00:30:00");
  EXPECT_EQ(spec.cluster.partition, "debug");
}

struct BadCluster {
  const char* name;
  std::string section;                 // lines after "[cluster]" (line 4 onwards)
  std::vector<std::string> overrides;
  std::vector<std::string> expected;
};

TEST(ClusterOptions, BadValues) {
  const std::vector<BadCluster> cases = {
      {"NodesZero", "nodes = 0\n", {}, {"job.toml:4:9:", "cluster.nodes", ">= 1", "got 0"}},
      {"TasksString", "tasks_per_node = \"8\"\n", {}, {"job.toml:4:", "cluster.tasks_per_node", "integer"}},
      {"GpusNegative", "gpus_per_node = -1\n", {}, {"job.toml:4:", "cluster.gpus_per_node", ">= 0"}},
      {"LauncherNearMiss", "launcher = \"srn\"\n", {},
       {"job.toml:4:", "cluster.launcher must be one of", "srun", "mpirun", "did you mean \"srun\""}},
      {"TimeGarbage", "time = \"two hours\"\n", {},
       {"job.toml:4:", "cluster.time must be a Slurm time limit", "HH:MM:SS", "two hours"}},
      {"TimeZero", "time = \"0\"\n", {}, {"job.toml:4:", "cluster.time", "greater than 0"}},
      {"TimeTooManyFields", "time = \"1:2:3:4\"\n", {}, {"job.toml:4:", "cluster.time"}},
      {"SignalLongerThanLimit", "time = \"00:01:00\"\nsignal_seconds = 120\n", {},
       {"job.toml:5:", "cluster.signal_seconds must be shorter than cluster.time", "120 s", "00:01:00"}},
      {"PartitionWithSpace", "partition = \"gpu; rm -rf /\"\n", {},
       {"job.toml:4:", "cluster.partition may hold only letters, digits"}},
      {"ModulesNotStrings", "modules = [\"cuda\", 12]\n", {},
       {"job.toml:4:", "cluster.modules[1] must be a string", "integer 12"}},
      {"SetupMultiLine", "setup = [\"\"\"a\nb\"\"\"]\n", {}, {"job.toml:4:", "cluster.setup[0]", "on one line"}},
      {"SbatchWithoutDashes", "sbatch = [\"#SBATCH --exclusive\"]\n", {},
       {"job.toml:4:", "cluster.sbatch[0] must be an sbatch option", "without \"#SBATCH\""}},
      {"UnknownKeyNearMiss", "ndoes = 2\n", {}, {"job.toml:4:1:", "'cluster.ndoes'", "did you mean 'cluster.nodes'?"}},
      {"OverrideNodesZero", "", {"cluster.nodes=0"}, {"--set cluster.nodes=0", ">= 1"}},
      {"OverrideBadTime", "", {"cluster.time=soon"}, {"--set cluster.time=soon", "Slurm time limit"}},
  };
  for (const BadCluster& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string message = error_of(kJob + "[cluster]\n" + c.section, c.overrides);
    for (const std::string& want : c.expected) {
      EXPECT_NE(message.find(want), std::string::npos) << c.name << ": '" << want << "' not in: " << message;
    }
  }
}

}  // namespace
}  // namespace curvlab
