// One thread that runs blocking jobs (database reads and writes) off the
// event loop, in submission order. The queue is bounded: a full queue
// refuses the job, and the caller answers an error instead of piling up
// work behind a database that does not answer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace lc::node {

class BackgroundWorker {
 public:
  static constexpr std::size_t kMaxQueuedJobs = 64;

  BackgroundWorker();
  ~BackgroundWorker();  // stop()
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Thread-safe. False when the queue is full or the worker stopped.
  bool submit(std::function<void()> job);
  // Runs the job in progress to its end, drops the queued ones, joins.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;  // at most kMaxQueuedJobs
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lc::node
