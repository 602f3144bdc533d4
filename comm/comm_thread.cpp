// The communication thread's loop and the QueuedWork handshake (see comm_thread.h for the protocol).
#include "comm/comm_thread.h"

#include "base/error.h"

namespace curvlab {

void QueuedWork::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return done_; });
  if (error_) std::rethrow_exception(error_);
}

bool QueuedWork::is_completed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

void QueuedWork::finish(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    error_ = std::move(error);
  }
  done_cv_.notify_all();
}

CommThread::CommThread(std::string name) : name_(std::move(name)), thread_([this] { run(); }) {}

CommThread::~CommThread() {
  std::deque<Task> cancelled;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    cancelled.swap(queue_);
  }
  queue_cv_.notify_all();
  for (auto& task : cancelled) {
    try {
      CURVLAB_THROW(CommError, task.work->what() + " was cancelled: its communicator was destroyed "
                                                   "before the operation ran (wait() on every Work first)");
    } catch (...) {
      task.work->finish(std::current_exception());
    }
  }
  if (thread_.joinable()) thread_.join();
}

WorkPtr CommThread::enqueue(std::function<void()> task, std::string what) {
  auto work = std::make_shared<QueuedWork>(std::move(what));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    CURVLAB_CHECK(!stopping_, CommError, name_ + ": " + work->what() + " issued while the communicator is shutting down");
    queue_.push_back(Task{std::move(task), work});
  }
  queue_cv_.notify_one();
  return work;
}

std::size_t CommThread::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + (running_task_ ? 1 : 0);
}

void CommThread::run() {
  for (;;) {
    Task task;
    std::string broken_by;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
      running_task_ = true;
      broken_by = broken_by_;
    }
    std::exception_ptr error;
    if (!broken_by.empty()) {
      try {
        CURVLAB_THROW(CommError, task.work->what() + " not run: " + name_ + " stopped after an earlier failure: " +
                                     broken_by);
      } catch (...) {
        error = std::current_exception();
      }
    } else {
      try {
        task.fn();
      } catch (const std::exception& e) {
        error = std::current_exception();
        std::lock_guard<std::mutex> lock(mutex_);
        broken_by_ = task.work->what() + " failed: " + e.what();
      } catch (...) {
        error = std::current_exception();
        std::lock_guard<std::mutex> lock(mutex_);
        broken_by_ = task.work->what() + " failed with a non-standard exception";
      }
    }
    task.fn = nullptr;  // release captured tensors before waking the waiter
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_task_ = false;
    }
    task.work->finish(error);
  }
}

}  // namespace curvlab
