// A run's sign of life: <run dir>/heartbeat, rewritten every few seconds by a thread of the process
// that owns the run (rank 0), naming the host, the process (PID and its start time) and the boot
// it runs in. `curvlab status` reads it to tell a live run from one whose ranks were killed
// (SIGKILL, the OOM killer, a lost node) and left its status file saying "running".
// Not for: the run's state itself (the status file, base/run_dir.h) or Slurm's view (cluster/).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace curvlab {

// Seconds between beats. A run on another host counts as gone after kHeartbeatStaleFactor beats
// without one (plus kHeartbeatGraceSeconds for clocks and shared file systems).
inline constexpr double kHeartbeatSeconds = 10.0;
inline constexpr double kHeartbeatStaleFactor = 3.0;
inline constexpr double kHeartbeatGraceSeconds = 30.0;

struct HeartbeatInfo {
  std::int64_t time = 0;          // Unix seconds of the last beat
  std::string host;               // gethostname()
  std::int64_t pid = 0;
  std::int64_t start_ticks = 0;   // the process's start time (/proc/PID/stat field 22); 0: unknown
  std::string boot_id;            // /proc/sys/kernel/random/boot_id; "": unknown
  double interval = kHeartbeatSeconds;
};

// This process, now.
HeartbeatInfo current_heartbeat(double interval = kHeartbeatSeconds);
std::string heartbeat_text(const HeartbeatInfo& info);   // "key value" lines
// Null when the file is missing or not a heartbeat (a half-written or foreign file).
std::optional<HeartbeatInfo> read_heartbeat(const std::string& path);

// Writes `path` now (before the constructor returns) and then every `interval` seconds until destroyed (or stop()). Write failures
// (a full disk) are skipped, not thrown: the run must not die for its heartbeat.
class Heartbeat {
 public:
  Heartbeat(std::string path, double interval = kHeartbeatSeconds);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  void stop();

 private:
  void loop();
  std::string path_;
  double interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

enum class Liveness {
  kAlive,    // this host, the process is there (same PID, same start time, same boot)
  kGone,     // this host, the process or the boot it ran in is gone
  kStale,    // another host, no beat for longer than the stale limit
  kRecent,   // another host, a recent beat: probably alive, not checkable from here
};

struct LivenessVerdict {
  Liveness state = Liveness::kRecent;
  std::string reason;  // "process 123 on node1 is gone (last heartbeat 2026-12-02 11:50:03 UTC, 5 min ago)"
};

// The verdict on `beat` seen from `here` (host, boot id) at Unix time `now`; `process_alive(pid,
// start_ticks)` checks a PID on this host (the default looks at /proc and kill(pid, 0)).
using ProcessProbe = std::function<bool(std::int64_t pid, std::int64_t start_ticks)>;
LivenessVerdict judge_heartbeat(const HeartbeatInfo& beat, const HeartbeatInfo& here, std::int64_t now,
                                const ProcessProbe& process_alive);
bool process_alive(std::int64_t pid, std::int64_t start_ticks);

}  // namespace curvlab
