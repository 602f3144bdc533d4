// Submission: resolve paths, skip finished runs, write the script (and runs.tsv for arrays), call
// sbatch, record job ids. The only place curvlab starts a Slurm job.
#include "cluster/submit.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

#include "base/error.h"
#include "base/run_dir.h"

namespace curvlab {
namespace fs = std::filesystem;
namespace {

std::string absolute_path(const std::string& path, const std::string& base) {
  fs::path p(path);
  if (p.is_relative()) p = fs::path(base) / p;
  return p.lexically_normal().string();
}

std::string current_dir() {
  std::error_code ec;
  const fs::path p = fs::current_path(ec);
  CURVLAB_CHECK(!ec, IoError, "cannot read the current directory: " + ec.message());
  return p.string();
}

// The curvlab binary the script runs: [cluster] executable, else this very binary.
std::string curvlab_executable(const ClusterOptions& cluster, const std::string& workdir) {
  if (!cluster.executable.empty()) return absolute_path(cluster.executable, workdir);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  CURVLAB_CHECK(!ec, IoError, "cannot find the curvlab binary (/proc/self/exe): " + ec.message() +
                                  "; set [cluster] executable = \"/path/to/curvlab\"");
  return self.string();
}

void create_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  CURVLAB_CHECK(!ec, IoError, "cannot create '" + dir + "': " + ec.message());
}

SubmitResult write_and_submit(BatchScriptSpec script, const std::string& script_path, const SubmitOptions& options,
                              const std::vector<BatchRun>& skipped) {
  SubmitResult result;
  result.skipped = skipped;
  result.submitted = script.runs;
  result.script_path = script_path;
  result.script_text = batch_script_text(script);
  create_dir(fs::path(script_path).parent_path().string());
  write_text_atomic(script_path, result.script_text);
  fs::permissions(script_path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);
  if (options.dry_run) return result;
  result.job_id = sbatch_submit(script_path);
  for (std::size_t i = 0; i < script.runs.size(); ++i) {
    const std::string id = script.array ? result.job_id + "_" + std::to_string(i) : result.job_id;
    write_text_atomic(script.runs[i].run_dir + "/" + kSlurmJobIdName, id + "\n");
  }
  return result;
}

}  // namespace

bool run_is_done(const std::string& run_dir) {
  std::ifstream in(RunPaths(run_dir).status);
  std::string line;
  return in && std::getline(in, line) && line.rfind("done", 0) == 0;
}

std::string sbatch_submit(const std::string& script_path) {
  const std::string command = "sbatch --parsable " + shell_quote(script_path) + " 2>&1";
  std::FILE* p = ::popen(command.c_str(), "r");
  CURVLAB_CHECK(p != nullptr, ConfigError, "cannot run sbatch; is Slurm's client installed? (--dry-run only writes the script)");
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) output += buf;
  const int status = ::pclose(p);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  const bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok && WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    CURVLAB_THROW(ConfigError, "sbatch not found on PATH: run `curvlab submit` on a Slurm login node, or pass "
                               "--dry-run to only write the script (" + script_path + ")");
  }
  CURVLAB_CHECK(ok, ConfigError, "sbatch refused " + script_path + ": " + output);
  // --parsable prints "jobid" or "jobid;cluster"; sbatch may print warnings on earlier lines.
  const std::size_t nl = output.rfind('\n');
  std::string id = nl == std::string::npos ? output : output.substr(nl + 1);
  id = id.substr(0, id.find(';'));
  CURVLAB_CHECK(!id.empty() && id.find_first_not_of("0123456789") == std::string::npos, ConfigError,
                "unexpected answer from sbatch for " + script_path + ": '" + output + "'");
  return id;
}

SubmitResult submit_run(const std::string& job_file, const std::string& job_name, const std::string& output_dir,
                        const ClusterOptions& cluster, const SubmitOptions& options) {
  const std::string workdir = options.workdir.empty() ? current_dir() : options.workdir;
  BatchRun run{absolute_path(job_file, workdir), absolute_path(output_dir, workdir)};
  if (run_is_done(run.run_dir)) {
    SubmitResult result;
    result.skipped.push_back(run);
    return result;
  }
  BatchScriptSpec script;
  script.job_name = job_name;
  script.runs = {run};
  script.array = false;
  script.log_dir = run.run_dir;
  script.workdir = workdir;
  script.executable = curvlab_executable(cluster, workdir);
  script.overrides = options.overrides;
  script.cluster = cluster;
  return write_and_submit(script, run.run_dir + "/" + kRunScriptName, options, {});
}

SubmitResult submit_array(const std::string& job_name, const std::vector<BatchRun>& runs,
                          const std::string& array_dir, const ClusterOptions& cluster, const SubmitOptions& options) {
  CURVLAB_CHECK(!runs.empty(), ConfigError, "a job array needs at least one run");
  const std::string workdir = options.workdir.empty() ? current_dir() : options.workdir;
  BatchScriptSpec script;
  script.job_name = job_name;
  script.array = true;
  script.log_dir = absolute_path(array_dir, workdir);
  script.workdir = workdir;
  script.executable = curvlab_executable(cluster, workdir);
  script.overrides = options.overrides;
  script.cluster = cluster;
  std::vector<BatchRun> skipped;
  std::string table = "# task\trun_dir\tjob_file   (task '-': already done when submitted)\n";
  for (const BatchRun& r : runs) {
    const BatchRun abs{absolute_path(r.job_file, workdir), absolute_path(r.run_dir, workdir)};
    if (run_is_done(abs.run_dir)) {
      skipped.push_back(abs);
      table += "-\t" + abs.run_dir + "\t" + abs.job_file + "\n";
    } else {
      table += std::to_string(script.runs.size()) + "\t" + abs.run_dir + "\t" + abs.job_file + "\n";
      script.runs.push_back(abs);
    }
  }
  create_dir(script.log_dir);
  write_text_atomic(script.log_dir + "/" + kArrayRunsName, table);
  if (script.runs.empty()) {
    SubmitResult result;
    result.skipped = skipped;
    return result;
  }
  for (const BatchRun& r : script.runs) create_dir(r.run_dir);
  return write_and_submit(script, script.log_dir + "/" + kArrayScriptName, options, skipped);
}

}  // namespace curvlab
