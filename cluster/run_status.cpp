// Reading run directories and squeue's answer into RunStates, and printing them as a table.
#include "cluster/run_status.h"

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include "cluster/batch_script.h"
#include "cluster/submit.h"
#include "base/heartbeat.h"
#include "base/run_dir.h"

namespace curvlab {
namespace fs = std::filesystem;
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool is_run_dir(const std::string& dir) {
  std::error_code ec;
  return holds_run(dir) || fs::exists(RunPaths(dir).status, ec) || fs::exists(dir + "/" + kSlurmJobIdName, ec);
}

// Last data row of a CSV as column name -> text.
std::map<std::string, std::string> last_csv_row(const std::string& path) {
  std::map<std::string, std::string> row;
  std::ifstream in(path);
  std::string header, line, last;
  if (!in || !std::getline(in, header)) return row;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  if (last.empty()) return row;
  std::stringstream h(header), v(last);
  std::string name, value;
  while (std::getline(h, name, ',') && std::getline(v, value, ',')) row[name] = value;
  return row;
}

// The newest slurm-*.out of a run and its last `n` lines.
std::vector<std::string> log_tail(const std::string& run_dir, std::size_t n) {
  std::error_code ec;
  fs::path newest;
  fs::file_time_type newest_time{};
  for (const auto& e : fs::directory_iterator(run_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (starts_with(name, "slurm-") && e.path().extension() == ".out") {
      const auto t = fs::last_write_time(e.path(), ec);
      if (newest.empty() || t > newest_time) {
        newest = e.path();
        newest_time = t;
      }
    }
  }
  std::deque<std::string> lines;
  if (newest.empty()) return {};
  std::ifstream in(newest);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > n) lines.pop_front();
  }
  std::vector<std::string> out = {"(" + newest.string() + ")"};
  out.insert(out.end(), lines.begin(), lines.end());
  return out;
}

bool slurm_active(const std::string& s) {
  return s == "RUNNING" || s == "COMPLETING" || s == "CONFIGURING" || s == "SUSPENDED" || s == "STAGE_OUT";
}
bool slurm_waiting(const std::string& s) { return s == "PENDING" || s == "REQUEUE_HOLD" || s == "REQUEUE_FED" || s == "REQUEUED"; }

}  // namespace

std::map<std::string, SlurmJobView> slurm_query_squeue(const std::vector<std::string>& job_ids) {
  std::map<std::string, SlurmJobView> out;
  std::set<std::string> bases;  // "123_4" -> "123": one query per array
  for (const std::string& id : job_ids) bases.insert(id.substr(0, id.find('_')));
  for (const std::string& base : bases) {
    if (base.empty() || base.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string command = "squeue -h -r -t all -j " + base + " -O JobArrayID:40,State:24,Reason:60 2>/dev/null";
    std::FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) continue;
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p) != nullptr) {
      std::istringstream line(buf);
      std::string id, state, reason, word;
      if (!(line >> id >> state)) continue;
      while (line >> word) reason += (reason.empty() ? "" : " ") + word;
      out[id] = SlurmJobView{state, reason};
    }
    ::pclose(p);
  }
  return out;
}

std::vector<std::string> find_runs(const std::string& dir) {
  std::vector<std::string> runs;
  std::error_code ec;
  const std::string table = dir + "/" + kArrayRunsName;
  if (fs::exists(table, ec)) {
    std::ifstream in(table);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::stringstream fields(line);
      std::string task, run_dir;
      if (std::getline(fields, task, '\t') && std::getline(fields, run_dir, '\t')) runs.push_back(run_dir);
    }
    return runs;
  }
  if (is_run_dir(dir)) return {dir};
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory(ec) && is_run_dir(e.path().string())) runs.push_back(e.path().string());
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

std::vector<RunState> collect_run_states(const std::vector<std::string>& run_dirs, const SlurmQuery& query) {
  std::vector<RunState> states;
  std::vector<std::string> ids;
  for (const std::string& dir : run_dirs) {
    RunState r;
    r.run_dir = dir;
    r.slurm_id = first_line(dir + "/" + kSlurmJobIdName);
    if (!r.slurm_id.empty()) ids.push_back(r.slurm_id);
    states.push_back(r);
  }
  std::map<std::string, SlurmJobView> slurm;
  if (query && !ids.empty()) slurm = query(ids);

  const HeartbeatInfo here = current_heartbeat();
  const std::int64_t now = here.time;
  for (RunState& r : states) {
    const std::string status = first_line(RunPaths(r.run_dir).status);
    auto steps = last_csv_row(r.run_dir + "/metrics_steps.csv");
    if (!steps.empty()) {
      r.step = std::atoll(steps["step"].c_str());
      r.samples_per_s = std::atof(steps["samples_per_s"].c_str());
    }
    auto it = slurm.find(r.slurm_id);
    if (it != slurm.end()) r.slurm_state = it->second.state;
    const std::string& ss = r.slurm_state;
    std::string detail;
    if (starts_with(status, "done")) {
      r.state = "done";
      auto evals = last_csv_row(r.run_dir + "/metrics_evals.csv");
      if (!evals.empty()) detail = "test_accuracy " + evals["test_accuracy"] + ", test_loss " + evals["test_loss"];
    } else if (slurm_active(ss)) {
      r.state = "running";
      if (r.samples_per_s > 0) {
        std::ostringstream o;
        o << std::fixed << std::setprecision(0) << r.samples_per_s << " samples/s";
        detail = o.str();
      }
    } else if (slurm_waiting(ss)) {
      r.state = starts_with(status, "requeued") || starts_with(status, "stopped") || ss != "PENDING" ? "requeued" : "pending";
      if (it != slurm.end() && !it->second.reason.empty() && it->second.reason != "None") detail = "reason: " + it->second.reason;
    } else if (ss == "PREEMPTED") {
      r.state = "requeued";
      detail = "preempted";
    } else if (starts_with(status, "requeued")) {
      r.state = "requeued";
      detail = status;
    } else if (starts_with(status, "stopped")) {
      r.state = "stopped";
      detail = status;
      r.resume_hint = "resume it: curvlab run JOB_FILE --resume, or curvlab submit again";
    } else if (starts_with(status, "failed") || (!ss.empty() && ss != "COMPLETED") ||
               (ss == "COMPLETED" && !starts_with(status, "done"))) {
      r.state = "failed";
      detail = starts_with(status, "failed") ? status : "Slurm state " + ss + (status.empty() ? "" : "; status: " + status);
      r.log_tail = log_tail(r.run_dir, 10);
    } else if (starts_with(status, "running")) {
      const auto beat = read_heartbeat(RunPaths(r.run_dir).heartbeat);
      const LivenessVerdict v = beat ? judge_heartbeat(*beat, here, now, process_alive) : LivenessVerdict{};
      if (beat && (v.state == Liveness::kGone || v.state == Liveness::kStale)) {
        r.state = "interrupted";
        detail = "status says running but " + v.reason;
        r.resume_hint = "resume it: curvlab run JOB_FILE --resume (the job it ran is " + r.run_dir + "/job.toml)";
      } else {
        r.state = "running";
        detail = beat ? v.reason : "no heartbeat file (started by an older curvlab?): cannot tell whether it is alive";
        if (!r.slurm_id.empty() && query) detail += "; Slurm no longer knows job " + r.slurm_id + "; the run may have died";
      }
    } else if (!r.slurm_id.empty()) {
      r.state = "pending";
    } else {
      r.state = "not started";
    }
    if (!r.slurm_id.empty()) {
      const std::string slurm_note = "Slurm " + r.slurm_id + (ss.empty() ? "" : " " + ss);
      detail = detail.empty() ? slurm_note : detail + "; " + slurm_note;
    }
    r.detail = detail;
  }
  return states;
}

int print_run_states(const std::vector<RunState>& states, std::ostream& out) {
  std::size_t width = 3;
  for (const RunState& r : states) width = std::max(width, r.run_dir.size());
  out << std::left << std::setw(static_cast<int>(width)) << "run" << "  " << std::setw(11) << "state" << "  "
      << std::right << std::setw(8) << "step" << "  " << "detail\n";
  int not_done = 0;
  std::map<std::string, int> counts;
  for (const RunState& r : states) {
    out << std::left << std::setw(static_cast<int>(width)) << r.run_dir << "  " << std::setw(11) << r.state << "  "
        << std::right << std::setw(8) << (r.step >= 0 ? std::to_string(r.step) : std::string("-")) << "  " << r.detail
        << "\n";
    if (r.state != "done") ++not_done;
    ++counts[r.state];
  }
  out << states.size() << " run(s):";
  for (const auto& [state, n] : counts) out << " " << n << " " << state << ";";
  out << "\n";
  for (const RunState& r : states) {
    if (!r.resume_hint.empty()) out << r.run_dir << ": " << r.resume_hint << "\n";
  }
  for (const RunState& r : states) {
    if (r.log_tail.empty()) continue;
    out << "\n" << r.run_dir << " failed; end of its log " << r.log_tail.front() << ":\n";
    for (std::size_t i = 1; i < r.log_tail.size(); ++i) out << "  " << r.log_tail[i] << "\n";
  }
  return not_done;
}

}  // namespace curvlab
