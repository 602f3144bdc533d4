// Implementation of run_isolated: fork, reset crash signals, run, _exit; the parent polls waitpid
// with a deadline and kills a child that runs past it.
#include "engine/checkpoint/isolated_probe.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include "base/error.h"

namespace curvlab {
namespace {

constexpr int kOk = 0;
constexpr int kOtherException = 3;

[[noreturn]] void child_main(const std::function<void()>& work) {
  // A crash must end the child by its signal (not by a handler of the parent's: a sanitizer's, a
  // fuzzer's), and nothing it prints belongs in the caller's output.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) std::signal(sig, SIG_DFL);
  const int devnull = ::open("/dev/null", O_WRONLY);
  if (devnull >= 0) ::dup2(devnull, STDERR_FILENO);
  int status = kOk;
  try {
    work();
  } catch (const Error&) {
    status = kOk;  // a clean error: the caller meets it again and reports it
  } catch (...) {
    status = kOtherException;
  }
  ::_exit(status);
}

}  // namespace

ProbeOutcome run_isolated(const std::function<void()>& work, int timeout_seconds) {
  const pid_t pid = ::fork();
  CURVLAB_CHECK(pid >= 0, IoError, std::string("cannot start a process to check a file: fork failed: ") +
                                       std::strerror(errno));
  if (pid == 0) child_main(work);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  auto pause = std::chrono::microseconds(200);
  int status = 0;
  bool timed_out = false;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      ::kill(pid, SIGKILL);
      CURVLAB_THROW(IoError, std::string("waitpid failed on a file-check process: ") + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }

  ProbeOutcome out;
  if (timed_out) {
    out.problem = "ran past " + std::to_string(timeout_seconds) + " s";
  } else if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    out.problem = "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != kOk) {
    out.problem = "exited with status " + std::to_string(WEXITSTATUS(status)) +
                  (WEXITSTATUS(status) == kOtherException ? " (an exception other than curvlab's, e.g. out of memory)"
                                                          : " (a sanitizer or fuzzer report)");
  } else {
    out.ok = true;
  }
  return out;
}

}  // namespace curvlab
