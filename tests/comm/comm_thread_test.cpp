// Tests of the communication thread: FIFO order, error propagation, the broken state, shutdown.
#include "comm/comm_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "base/error.h"

namespace curvlab {
namespace {

TEST(CommThread, RunsTasksInIssueOrderOffTheCallingThread) {
  CommThread t("test thread");
  std::vector<int> order;
  std::vector<WorkPtr> works;
  std::atomic<bool> off_caller{true};
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < 50; ++i) {
    works.push_back(t.enqueue(
        [&order, &off_caller, caller, i] {
          if (std::this_thread::get_id() == caller) off_caller = false;
          order.push_back(i);
        },
        "task " + std::to_string(i)));
  }
  for (auto it = works.rbegin(); it != works.rend(); ++it) (*it)->wait();  // wait order does not matter
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(off_caller);
  EXPECT_EQ(t.pending(), 0u);
}

TEST(CommThread, WaitBlocksUntilDone) {
  CommThread t("test thread");
  std::atomic<bool> release{false};
  auto w = t.enqueue([&] { while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1)); }, "slow");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(w->is_completed());
  release = true;
  w->wait();
  EXPECT_TRUE(w->is_completed());
}

TEST(CommThread, ErrorIsRethrownAndLaterTasksFailNamingIt) {
  CommThread t("test thread");
  auto bad = t.enqueue([] { CURVLAB_THROW(CommError, "peer vanished"); }, "allreduce #1");
  bool ran = false;
  auto later = t.enqueue([&ran] { ran = true; }, "allreduce #2");
  EXPECT_THROW(bad->wait(), CommError);
  EXPECT_THROW(bad->wait(), CommError);  // every wait() rethrows
  try {
    later->wait();
    FAIL() << "a task after a failure must fail";
  } catch (const CommError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("allreduce #2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("peer vanished"), std::string::npos) << msg;
  }
  EXPECT_FALSE(ran);
}

TEST(CommThread, DestructorCancelsQueuedTasks) {
  std::atomic<bool> release{false}, started{false};
  WorkPtr first, queued;
  std::thread releaser;
  {
    CommThread t("test thread");
    first = t.enqueue(
        [&] {
          started = true;
          while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        },
        "running");
    queued = t.enqueue([] {}, "queued");
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    releaser = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      release = true;
    });
  }  // waits for "running", cancels "queued"
  releaser.join();
  EXPECT_NO_THROW(first->wait());
  EXPECT_THROW(queued->wait(), CommError);
}

}  // namespace
}  // namespace curvlab
