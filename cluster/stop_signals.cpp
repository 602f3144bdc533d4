// The stop-signal flag: a lock-free atomic written by the handler (async-signal-safe: no
// allocation, no locks, no stdio), read at each step boundary by the train runner's hook.
#include "cluster/stop_signals.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace curvlab {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag must be lock-free to be set in a signal handler");

bool g_installed = false;
struct sigaction g_old_usr1;
struct sigaction g_old_term;

extern "C" void on_stop_signal(int signo) {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, signo);  // keep the first one
}

}  // namespace

void install_stop_signal_handlers() {
  if (g_installed) return;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // blocking reads/writes and MPI calls go on; the flag is polled
  sigaction(SIGUSR1, &sa, &g_old_usr1);
  sigaction(SIGTERM, &sa, &g_old_term);
  g_installed = true;
}

void restore_stop_signal_handlers() {
  if (!g_installed) return;
  sigaction(SIGUSR1, &g_old_usr1, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_installed = false;
}

int stop_signal_received() { return g_signal.load(); }

void clear_stop_signal() { g_signal.store(0); }

const char* stop_signal_name(int signo) {
  if (signo == SIGUSR1) return "SIGUSR1";
  if (signo == SIGTERM) return "SIGTERM";
  static thread_local char buf[32];
  std::snprintf(buf, sizeof(buf), "signal %d", signo);
  return buf;
}

}  // namespace curvlab
