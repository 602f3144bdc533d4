// Tests of cluster/stop_signals.cpp with real signals raised in this process: SIGUSR1 and SIGTERM
// only set the flag (the process goes on), the first signal is kept until cleared, install is
// idempotent and restore puts back the handlers that were there before (checked with a handler of
// the test's own), the handlers restart interrupted system calls, and the signal names.
#include "cluster/stop_signals.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <string>

namespace curvlab {
namespace {

std::atomic<int> g_own_calls{0};
extern "C" void own_handler(int) { ++g_own_calls; }

// Puts SIGUSR1/SIGTERM back to what they were when the test started, whatever the test did.
struct SignalGuard {
  struct sigaction usr1 {}, term {};
  SignalGuard() {
    sigaction(SIGUSR1, nullptr, &usr1);
    sigaction(SIGTERM, nullptr, &term);
  }
  ~SignalGuard() {
    restore_stop_signal_handlers();
    clear_stop_signal();
    sigaction(SIGUSR1, &usr1, nullptr);
    sigaction(SIGTERM, &term, nullptr);
  }
};

TEST(StopSignals, TheFirstSignalIsKeptUntilCleared) {
  SignalGuard guard;
  install_stop_signal_handlers();
  clear_stop_signal();
  EXPECT_EQ(stop_signal_received(), 0);
  std::raise(SIGUSR1);  // would end the process without the handler
  EXPECT_EQ(stop_signal_received(), SIGUSR1);
  std::raise(SIGTERM);
  EXPECT_EQ(stop_signal_received(), SIGUSR1);  // the first one wins
  clear_stop_signal();
  EXPECT_EQ(stop_signal_received(), 0);
  std::raise(SIGTERM);
  EXPECT_EQ(stop_signal_received(), SIGTERM);
}

TEST(StopSignals, InstallIsIdempotentAndRestorePutsThePreviousHandlersBack) {
  SignalGuard guard;
  struct sigaction own {};
  own.sa_handler = own_handler;
  sigemptyset(&own.sa_mask);
  sigaction(SIGUSR1, &own, nullptr);
  sigaction(SIGTERM, &own, nullptr);
  install_stop_signal_handlers();
  install_stop_signal_handlers();  // must not save its own handler as "the previous one"
  struct sigaction now {};
  sigaction(SIGUSR1, nullptr, &now);
  EXPECT_NE(now.sa_handler, own_handler);
  EXPECT_TRUE(now.sa_flags & SA_RESTART);
  clear_stop_signal();
  std::raise(SIGUSR1);
  EXPECT_EQ(g_own_calls.load(), 0);
  EXPECT_EQ(stop_signal_received(), SIGUSR1);
  restore_stop_signal_handlers();
  restore_stop_signal_handlers();  // a second restore does nothing
  clear_stop_signal();
  std::raise(SIGUSR1);
  std::raise(SIGTERM);
  EXPECT_EQ(g_own_calls.load(), 2);
  EXPECT_EQ(stop_signal_received(), 0);
}

TEST(StopSignals, NamesAndTheResumableExitStatus) {
  EXPECT_STREQ(stop_signal_name(SIGUSR1), "SIGUSR1");
  EXPECT_STREQ(stop_signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(std::string(stop_signal_name(9)), "signal 9");
  EXPECT_EQ(kExitStoppedResumable, 75);  // sysexits' EX_TEMPFAIL
}

}  // namespace
}  // namespace curvlab
