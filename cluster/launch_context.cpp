// Reading the launchers' environment variables into a LaunchContext (the only getenv of the engine).
#include "cluster/launch_context.h"

#include <cstdlib>

#include "base/error.h"

namespace curvlab {
namespace {

bool has(const char* name) { return std::getenv(name) != nullptr; }

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long value = std::strtol(v, &end, 10);
  CURVLAB_CHECK(end != v && *end == '\0', ConfigError,
                std::string("environment variable ") + name + "='" + v +
                    "' is not an integer; it is set by the launcher (mpirun/srun), do not set it by hand");
  return static_cast<int>(value);
}

}  // namespace

int slurm_tasks_on_node(const std::string& list, int node_index) {
  // Entries are "N" or "N(xK)" separated by commas: K consecutive nodes with N tasks each.
  int node = 0;
  size_t pos = 0;
  while (pos < list.size()) {
    size_t comma = list.find(',', pos);
    std::string entry = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int tasks = std::atoi(entry.c_str());
    int repeat = 1;
    size_t x = entry.find("(x");
    if (x != std::string::npos) repeat = std::atoi(entry.c_str() + x + 2);
    if (node_index < node + repeat) return tasks;
    node += repeat;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return -1;
}

LaunchContext detect_launch_context() {
  LaunchContext ctx;
  if (has("OMPI_COMM_WORLD_SIZE")) {
    ctx.launcher = "mpirun";
    ctx.env_rank = env_int("OMPI_COMM_WORLD_RANK", env_int("PMIX_RANK", 0));
    ctx.env_size = env_int("OMPI_COMM_WORLD_SIZE", 1);
    ctx.env_local_rank = env_int("OMPI_COMM_WORLD_LOCAL_RANK", 0);
    ctx.env_local_size = env_int("OMPI_COMM_WORLD_LOCAL_SIZE", 1);
  } else if (has("SLURM_STEP_NUM_TASKS") && (has("SLURM_PROCID") || has("PMIX_RANK"))) {
    ctx.launcher = "srun";
    ctx.env_rank = env_int("SLURM_PROCID", env_int("PMIX_RANK", 0));
    ctx.env_size = env_int("SLURM_STEP_NUM_TASKS", env_int("SLURM_NTASKS", 1));
    ctx.env_local_rank = env_int("SLURM_LOCALID", 0);
    ctx.env_local_size = 1;
    if (const char* tpn = std::getenv("SLURM_STEP_TASKS_PER_NODE")) {
      int n = slurm_tasks_on_node(tpn, env_int("SLURM_NODEID", 0));
      if (n > 0) ctx.env_local_size = n;
    }
  }
  if (const char* nodes = std::getenv("SLURM_JOB_NODELIST")) ctx.nodelist = nodes;
  if (const char* id = std::getenv("SLURM_JOB_ID")) ctx.slurm_job_id = id;
  ctx.slurm_restart_count = env_int("SLURM_RESTART_COUNT", 0);
  ctx.slurm_job_nodes = env_int("SLURM_JOB_NUM_NODES", 0);
  if (ctx.launcher == "srun") ctx.slurm_step_nodes = env_int("SLURM_STEP_NUM_NODES", 0);
  return ctx;
}

}  // namespace curvlab
