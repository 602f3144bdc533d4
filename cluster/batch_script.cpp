// Writing the sbatch script: #SBATCH header from [cluster], environment setup, the table of runs,
// signal forwarding, the launcher line (srun or mpirun) and the exit status.
#include "cluster/batch_script.h"

#include <cctype>
#include <sstream>

#include "cluster/slurm_time.h"
#include "base/error.h"

namespace curvlab {

const EnumNames<Launcher>& launcher_names() {
  static const EnumNames<Launcher> names = {{Launcher::kSrun, "srun"}, {Launcher::kMpirun, "mpirun"}};
  return names;
}

std::string shell_quote(const std::string& text) {
  if (text.empty()) return "''";
  bool safe = true;
  for (char c : text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string("/._-+=:,@%").find(c) != std::string::npos)) {
      safe = false;
      break;
    }
  }
  if (safe) return text;
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string batch_script_text(const BatchScriptSpec& spec) {
  CURVLAB_CHECK(!spec.runs.empty(), ConfigError, "a batch script needs at least one run (all runs are done?)");
  const ClusterOptions& c = spec.cluster;
  const std::size_t n = spec.runs.size();
  std::ostringstream s;
  s << "#!/bin/bash\n";
  const std::string ranks = std::to_string(c.nodes * c.tasks_per_node) + " rank(s)";
  s << "# Written by `curvlab submit` for '" << spec.job_name << "': "
    << (spec.array ? "a job array of " + std::to_string(n) + " run(s), one task per run, " + ranks + " each"
                   : "one run on " + ranks)
    << ".\n";
  s << "# Submit it with `sbatch` (curvlab submit already did unless --dry-run); lines explained in docs/clusters.md.\n";
  s << "#SBATCH --job-name=" << shell_quote(spec.job_name) << "\n";
  s << "#SBATCH --nodes=" << c.nodes << "\n";
  s << "#SBATCH --ntasks-per-node=" << c.tasks_per_node << "\n";
  if (c.gpus_per_node > 0) s << "#SBATCH --gpus-per-node=" << c.gpus_per_node << "\n";
  if (c.cpus_per_task > 0) s << "#SBATCH --cpus-per-task=" << c.cpus_per_task << "\n";
  if (!c.mem.empty()) s << "#SBATCH --mem=" << c.mem << "\n";
  s << "#SBATCH --time=" << format_slurm_time(slurm_time_seconds(c.time)) << "\n";
  if (!c.partition.empty()) s << "#SBATCH --partition=" << c.partition << "\n";
  if (!c.account.empty()) s << "#SBATCH --account=" << c.account << "\n";
  if (!c.qos.empty()) s << "#SBATCH --qos=" << c.qos << "\n";
  if (spec.array) {
    s << "#SBATCH --array=0-" << n - 1;
    if (c.array_throttle > 0) s << "%" << c.array_throttle;
    s << "\n";
  }
  s << "#SBATCH --chdir=" << shell_quote(spec.workdir) << "\n";
  s << "#SBATCH --output=" << shell_quote(spec.log_dir + (spec.array ? "/slurm-%A_%a.out" : "/slurm-%j.out")) << "\n";
  s << "#SBATCH --open-mode=append\n";
  if (c.signal_seconds > 0) s << "#SBATCH --signal=B:USR1@" << c.signal_seconds << "\n";
  s << (c.requeue ? "#SBATCH --requeue\n" : "#SBATCH --no-requeue\n");
  for (const std::string& line : c.sbatch) s << "#SBATCH " << line << "\n";
  s << "\n";
  s << "set -uo pipefail\n";
  if (!c.modules.empty()) {
    s << "\n# Environment modules ([cluster] modules)\n";
    for (const std::string& m : c.modules) s << "module load " << m << "\n";
  }
  if (!c.setup.empty()) {
    s << "\n# Setup lines ([cluster] setup)\n";
    for (const std::string& line : c.setup) s << line << "\n";
  }
  s << "\n# The runs of this job; array task i runs RUN_DIRS[i] from JOB_FILES[i].\n";
  s << "JOB_FILES=(";
  for (const BatchRun& r : spec.runs) s << (n > 1 ? "\n  " : "") << shell_quote(r.job_file);
  s << (n > 1 ? "\n)\n" : ")\n");
  s << "RUN_DIRS=(";
  for (const BatchRun& r : spec.runs) s << (n > 1 ? "\n  " : "") << shell_quote(r.run_dir);
  s << (n > 1 ? "\n)\n" : ")\n");
  s << "TASK=${SLURM_ARRAY_TASK_ID:-0}\n";
  s << "JOB_FILE=${JOB_FILES[$TASK]}\n";
  s << "RUN_DIR=${RUN_DIRS[$TASK]}\n";
  s << "echo \"curvlab: Slurm job ${SLURM_JOB_ID} (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_JOB_NODELIST}: "
       "$JOB_FILE -> $RUN_DIR\"\n";
  s << "\n# Slurm's warning (B:USR1) reaches only this shell, scancel's TERM reaches it too: pass both on as\n";
  s << "# USR1 to the launcher, which forwards it to every rank. The ranks stop at the same step, write a\n";
  s << "# checkpoint, and rank 0 requeues this job (scontrol requeue) when [cluster] requeue is true.\n";
  s << "LAUNCHER_PID=\n";
  s << "forward_stop() { [ -n \"$LAUNCHER_PID\" ] && kill -USR1 \"$LAUNCHER_PID\" 2>/dev/null; }\n";
  s << "trap forward_stop USR1 TERM\n";
  s << "\n# --auto-resume: continue from the newest checkpoint in RUN_DIR when there is one (after a requeue), else start.\n";
  std::string run = shell_quote(spec.executable) + " run \"$JOB_FILE\" --output \"$RUN_DIR\" --auto-resume";
  for (const std::string& o : spec.overrides) run += " --set " + shell_quote(o);
  if (c.launcher == Launcher::kSrun) {
    s << "srun --mpi=" << c.srun_mpi << " --kill-on-bad-exit=1 " << run;
  } else {
    s << "mpirun -np \"$SLURM_NTASKS\"";
    for (const std::string& a : c.mpirun_args) s << " " << shell_quote(a);
    s << " " << run;
  }
  if (spec.array) s << " \\\n  >> \"$RUN_DIR/slurm-$SLURM_JOB_ID.out\" 2>&1";
  s << " &\n";
  s << "LAUNCHER_PID=$!\n";
  s << "# `wait` returns early when a trapped signal arrives: wait again until the launcher has ended.\n";
  s << "STATUS=0\n";
  s << "wait \"$LAUNCHER_PID\" || STATUS=$?\n";
  s << "while kill -0 \"$LAUNCHER_PID\" 2>/dev/null; do STATUS=0; wait \"$LAUNCHER_PID\" || STATUS=$?; done\n";
  s << "# 0: done; 75: stopped at a checkpoint, resumable (requeued when [cluster] requeue); else failed.\n";
  s << "echo \"curvlab: launcher exited with status $STATUS\"\n";
  s << "exit \"$STATUS\"\n";
  return s.str();
}

}  // namespace curvlab
