// The heartbeat file: writing it from a thread, reading it back, and judging whether its process lives.
#include "base/heartbeat.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "base/error.h"
#include "base/run_dir.h"

namespace curvlab {
namespace {

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

// Field 22 of /proc/PID/stat (start time in clock ticks since boot); 0 when unreadable. The fields
// are counted after the last ')' because the command name (field 2) may hold spaces and ')'.
std::int64_t start_ticks_of(std::int64_t pid) {
  const std::string stat = first_line_of("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  return std::atoll(field.c_str());
}

std::string utc_text(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string age_text(std::int64_t seconds) {
  if (seconds < 0) return "in the future: check the clocks";
  if (seconds < 120) return std::to_string(seconds) + " s ago";
  if (seconds < 7200) return std::to_string(seconds / 60) + " min ago";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h ago";
  return std::to_string(seconds / 86400) + " days ago";
}

}  // namespace

HeartbeatInfo current_heartbeat(double interval) {
  HeartbeatInfo h;
  h.time = static_cast<std::int64_t>(std::time(nullptr));
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) == 0) h.host = host;
  h.pid = static_cast<std::int64_t>(::getpid());
  h.start_ticks = start_ticks_of(h.pid);
  h.boot_id = first_line_of("/proc/sys/kernel/random/boot_id");
  h.interval = interval;
  return h;
}

std::string heartbeat_text(const HeartbeatInfo& h) {
  std::ostringstream o;
  o << "time " << h.time << "\n"
    << "time_utc " << utc_text(h.time) << "\n"
    << "host " << h.host << "\n"
    << "pid " << h.pid << "\n"
    << "start_ticks " << h.start_ticks << "\n"
    << "boot_id " << h.boot_id << "\n"
    << "interval_s " << h.interval << "\n";
  return o.str();
}

std::optional<HeartbeatInfo> read_heartbeat(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::map<std::string, std::string> fields;
  std::string line;
  while (std::getline(in, line)) {
    const auto space = line.find(' ');
    if (space != std::string::npos) fields[line.substr(0, space)] = line.substr(space + 1);
  }
  const auto number = [&](const char* key, auto& out) {
    auto it = fields.find(key);
    if (it == fields.end() || it->second.empty()) return false;
    std::istringstream v(it->second);
    return static_cast<bool>(v >> out);
  };
  HeartbeatInfo h;
  if (!number("time", h.time) || !number("pid", h.pid) || fields.count("host") == 0) return std::nullopt;
  h.host = fields["host"];
  number("start_ticks", h.start_ticks);
  h.boot_id = fields["boot_id"];
  if (!number("interval_s", h.interval) || !(h.interval > 0)) h.interval = kHeartbeatSeconds;
  return h;
}

namespace {
void beat(const std::string& path, HeartbeatInfo info) {
  info.time = static_cast<std::int64_t>(std::time(nullptr));
  try {
    write_text_atomic(path, heartbeat_text(info));
  } catch (const Error&) {
    // A full or vanished disk: the next beat tries again; the run itself reports real I/O errors.
  }
}
}  // namespace

Heartbeat::Heartbeat(std::string path, double interval) : path_(std::move(path)), interval_(interval) {
  beat(path_, current_heartbeat(interval_));  // the first beat is on disk before the constructor returns
  thread_ = std::thread([this] { loop(); });
}

Heartbeat::~Heartbeat() { stop(); }

void Heartbeat::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Heartbeat::loop() {
  const HeartbeatInfo self = current_heartbeat(interval_);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::duration<double>(interval_), [this] { return stopping_; })) {
    beat(path_, self);
  }
}

bool process_alive(std::int64_t pid, std::int64_t start_ticks) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  // Same PID, other process (the PID was reused): its start time differs.
  return start_ticks == 0 || start_ticks_of(pid) == start_ticks;
}

LivenessVerdict judge_heartbeat(const HeartbeatInfo& beat, const HeartbeatInfo& here, std::int64_t now,
                                const ProcessProbe& alive) {
  const std::string last = "last heartbeat " + utc_text(beat.time) + ", " + age_text(now - beat.time);
  const std::string who = "process " + std::to_string(beat.pid) + " on " + beat.host;
  LivenessVerdict v;
  if (!beat.host.empty() && beat.host == here.host) {
    if (!beat.boot_id.empty() && !here.boot_id.empty() && beat.boot_id != here.boot_id) {
      v.state = Liveness::kGone;
      v.reason = who + " is gone: " + beat.host + " has restarted since (" + last + ")";
    } else if (!alive(beat.pid, beat.start_ticks)) {
      v.state = Liveness::kGone;
      v.reason = who + " is gone (" + last + ")";
    } else {
      v.state = Liveness::kAlive;
      v.reason = who + " is alive (" + last + ")";
    }
    return v;
  }
  const double limit = kHeartbeatStaleFactor * beat.interval + kHeartbeatGraceSeconds;
  if (static_cast<double>(now - beat.time) > limit) {
    v.state = Liveness::kStale;
    v.reason = who + " has not beaten for over " + std::to_string(static_cast<long long>(std::ceil(limit))) +
               " s (" + last + ")";
  } else {
    v.state = Liveness::kRecent;
    v.reason = who + " (another host; " + last + ")";
  }
  return v;
}

}  // namespace curvlab
