// One dedicated communication thread fed by a FIFO queue (the Horovod pattern), with the Work
// handle its tasks complete. Backends whose library calls block (MPI) run every collective here,
// so *_async calls return at once and communication overlaps the caller's computation.
// Not for: deciding what a collective does (the backends do) or ordering across ranks (the
// callers issue collectives in the same order on every rank; this queue keeps that order).
//
// Protocol: enqueue() may be called from any thread; tasks run one at a time in enqueue order.
// When a task throws, its Work rethrows the error from wait() and the thread becomes "broken":
// every later task fails at once with an error that names the first failure (after a failed
// collective the ranks no longer agree on what comes next, so running more would hang).
// The destructor fails the tasks that have not started, waits for the one running, and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "comm/communicator.h"

namespace curvlab {

// The Work of one queued task: done once the task ran (or was cancelled); wait() rethrows its error.
class QueuedWork : public Work {
 public:
  explicit QueuedWork(std::string what) : what_(std::move(what)) {}
  void wait() override;
  bool is_completed() override;
  const std::string& what() const { return what_; }

  // Called by the communication thread.
  void finish(std::exception_ptr error);

 private:
  std::string what_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::exception_ptr error_;
};

class CommThread {
 public:
  // `name` appears in error messages ("mpi comm thread").
  explicit CommThread(std::string name);
  ~CommThread();
  CommThread(const CommThread&) = delete;
  CommThread& operator=(const CommThread&) = delete;

  // Queues `task`; `what` names it in errors ("allreduce of 3 tensors"). Returns at once.
  WorkPtr enqueue(std::function<void()> task, std::string what);

  // Number of tasks queued or running (for tests and diagnostics).
  std::size_t pending() const;

  // True when the calling thread is this communication thread.
  bool on_this_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Task {
    std::function<void()> fn;
    std::shared_ptr<QueuedWork> work;
  };
  void run();

  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable queue_cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  bool running_task_ = false;
  std::string broken_by_;  // message of the first failed task; empty while healthy
  std::thread thread_;     // last member: started after everything else is initialised
};

}  // namespace curvlab
