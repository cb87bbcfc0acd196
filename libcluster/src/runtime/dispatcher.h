// The worker pool behind dispatch_jobs=1 (private to the runtime). One FIFO
// queue and one thread per worker; a job goes to the worker chosen by its
// key, so the jobs of one key run in submission order, one at a time. Every
// queue is bounded: submit() refuses a job rather than block the loop.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace lc::runtime {

class Dispatcher {
 public:
  // Jobs must not throw (the runtime wraps handlers in a catch-all).
  using Job = std::function<void()>;

  // Preconditions: workers >= 1, queue_limit >= 1.
  Dispatcher(std::size_t workers, std::size_t queue_limit);
  // close() and join().
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `job` on the worker of `key`. False, dropping the job, when that
  // worker's queue holds queue_limit jobs or after close().
  bool submit(uint64_t key, Job job);
  // Thread-safe, idempotent: discards every queued job and tells the workers
  // to exit once their running job (if any) returns.
  void close();
  // Waits for the workers to exit. Call after close(), not from a worker.
  void join();

  std::size_t workers() const { return workers_.size(); }
  std::size_t queue_limit() const { return queue_limit_; }

 private:
  struct Worker {
    std::mutex mu;
    std::condition_variable wake;
    std::deque<Job> queue;  // at most queue_limit_ jobs
    bool closed = false;
    std::thread thread;
  };
  static void work(Worker& w);

  const std::size_t queue_limit_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace lc::runtime
