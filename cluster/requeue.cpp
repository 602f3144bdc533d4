// `scontrol requeue` through popen: the job id is checked to be digits, so nothing reaches the
// shell but "scontrol requeue <digits>".
#include "cluster/requeue.h"

#include <cctype>
#include <cstdio>
#include <sys/wait.h>

namespace curvlab {

RequeueOutcome requeue_slurm_job(const std::string& job_id) {
  RequeueOutcome out;
  if (job_id.empty()) {
    out.message = "not running under Slurm (no SLURM_JOB_ID)";
    return out;
  }
  for (char c : job_id) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      out.message = "SLURM_JOB_ID '" + job_id + "' is not a number";
      return out;
    }
  }
  const std::string command = "scontrol requeue " + job_id + " 2>&1";
  std::FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    out.message = "cannot run scontrol (is it on PATH?)";
    return out;
  }
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) out.message += buf;
  const int status = ::pclose(p);
  out.ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  while (!out.message.empty() && (out.message.back() == '\n' || out.message.back() == '\r')) out.message.pop_back();
  if (!out.ok && out.message.empty()) out.message = "scontrol requeue " + job_id + " failed";
  return out;
}

}  // namespace curvlab
