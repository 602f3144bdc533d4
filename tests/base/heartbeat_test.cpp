// Tests of base/heartbeat.h: the file names this process (host, PID, start time, boot id) and is
// rewritten while the Heartbeat lives; the verdict tells a live process from a killed one (PID gone,
// PID reused by another process, machine rebooted) and, for another host, a recent beat from a stale one.
#include "base/heartbeat.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace curvlab {
namespace {
namespace fs = std::filesystem;

// The PID of a child that has exited and been reaped: a process that is certainly gone.
std::int64_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(Heartbeat, WritesThisProcessAndKeepsBeating) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_heartbeat_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "heartbeat").string();
  {
    Heartbeat beat(path, 0.05);
    const auto first = read_heartbeat(path);  // on disk when the constructor returns
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->pid, getpid());
    EXPECT_EQ(first->host, current_heartbeat().host);
    EXPECT_GT(first->start_ticks, 0);
    EXPECT_FALSE(first->boot_id.empty());
    EXPECT_DOUBLE_EQ(first->interval, 0.05);
    const auto mtime = fs::last_write_time(path);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_GT(fs::last_write_time(path), mtime) << "the thread rewrites the file";
    const LivenessVerdict v = judge_heartbeat(*first, current_heartbeat(), first->time, process_alive);
    EXPECT_EQ(v.state, Liveness::kAlive) << v.reason;
  }
  // Stopped: no more writes after the destructor.
  const auto mtime = fs::last_write_time(path);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(fs::last_write_time(path), mtime);
  fs::remove_all(dir);
}

TEST(Heartbeat, ReadRejectsForeignOrPartialFiles) {
  const fs::path path = fs::temp_directory_path() / ("curvlab_heartbeat_bad_" + std::to_string(getpid()));
  EXPECT_FALSE(read_heartbeat(path.string()).has_value());  // missing
  std::ofstream(path) << "time 12\nhost\n";  // no pid
  EXPECT_FALSE(read_heartbeat(path.string()).has_value());
  std::ofstream(path) << "garbage";
  EXPECT_FALSE(read_heartbeat(path.string()).has_value());
  const HeartbeatInfo h = current_heartbeat(7);
  std::ofstream(path) << heartbeat_text(h);
  const auto back = read_heartbeat(path.string());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->time, h.time);
  EXPECT_EQ(back->pid, h.pid);
  EXPECT_EQ(back->start_ticks, h.start_ticks);
  EXPECT_EQ(back->boot_id, h.boot_id);
  EXPECT_DOUBLE_EQ(back->interval, 7);
  fs::remove(path);
}

TEST(Heartbeat, VerdictOnThisHost) {
  const HeartbeatInfo here = current_heartbeat();
  HeartbeatInfo beat = here;
  EXPECT_EQ(judge_heartbeat(beat, here, here.time + 3600, process_alive).state, Liveness::kAlive)
      << "a live process is alive however old its file (it may be stopped in a debugger)";

  beat.pid = dead_pid();
  beat.start_ticks = 0;
  LivenessVerdict v = judge_heartbeat(beat, here, here.time + 5, process_alive);
  EXPECT_EQ(v.state, Liveness::kGone);
  EXPECT_NE(v.reason.find("process " + std::to_string(beat.pid) + " on " + here.host + " is gone"), std::string::npos)
      << v.reason;

  beat = here;
  beat.start_ticks = here.start_ticks + 1;  // same PID, another process (PID reuse)
  EXPECT_EQ(judge_heartbeat(beat, here, here.time, process_alive).state, Liveness::kGone);

  beat = here;
  beat.boot_id = "00000000-0000-0000-0000-000000000000";  // written before the machine restarted
  v = judge_heartbeat(beat, here, here.time, process_alive);
  EXPECT_EQ(v.state, Liveness::kGone);
  EXPECT_NE(v.reason.find("has restarted"), std::string::npos) << v.reason;
}

TEST(Heartbeat, VerdictFromAnotherHostByAge) {
  const HeartbeatInfo here = current_heartbeat();
  HeartbeatInfo beat = here;
  beat.host = here.host + "-elsewhere";
  beat.interval = 10;
  const auto never_called = [](std::int64_t, std::int64_t) -> bool {
    ADD_FAILURE() << "a PID of another host must not be probed here";
    return true;
  };
  // Limit: 3 beats + 30 s grace = 60 s.
  EXPECT_EQ(judge_heartbeat(beat, here, beat.time + 60, never_called).state, Liveness::kRecent);
  const LivenessVerdict v = judge_heartbeat(beat, here, beat.time + 61, never_called);
  EXPECT_EQ(v.state, Liveness::kStale);
  EXPECT_NE(v.reason.find("has not beaten for over 60 s"), std::string::npos) << v.reason;
  EXPECT_NE(v.reason.find("61 s ago"), std::string::npos) << v.reason;
  EXPECT_NE(judge_heartbeat(beat, here, beat.time + 600, never_called).reason.find("10 min ago"), std::string::npos);
}

}  // namespace
}  // namespace curvlab
