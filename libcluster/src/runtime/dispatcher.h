// The worker pool behind dispatch_jobs=1 (private to the runtime). One FIFO
// queue and one thread per worker; a job goes to the worker chosen by its
// key, so the jobs of one key run in submission order, one at a time.
// submit() never refuses a job (nor blocks): when a worker's queue reaches the
// high-water mark it says so, and the caller (the runtime) stops producing
// (stops reading) until on_drained reports that every queue that reached the
// mark is back at the low-water mark (docs/decisions.md N2).
#pragma once

#include <atomic>
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
  // Called on a worker thread, before it runs the job it just took, when its
  // queue had reached high_water and is now down to low_water(). Must not
  // block (the runtime posts a wake-up to its loop).
  using Drained = std::function<void()>;

  // Preconditions: workers >= 1, high_water >= 1.
  Dispatcher(std::size_t workers, std::size_t high_water, Drained on_drained);
  // close() and join().
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `job` on the worker of `key`; never refuses it, except after
  // close() (the job is then discarded, N3). Returns true when that worker is
  // full: its queue reached high_water and has not drained to low_water()
  // since. A full worker calls on_drained once it has. An idle worker is not
  // woken until wake(), so that it takes a burst of jobs in one go rather
  // than sleeping again after each. submit() and wake(): one producer thread.
  bool submit(uint64_t key, Job job);
  // Wakes the workers that got jobs since the last call.
  void wake();
  // Thread-safe: some worker is full (see submit).
  bool any_full() const;
  // Thread-safe, idempotent: discards every queued job and tells the workers
  // to exit once their running job (if any) returns.
  void close();
  // Waits for the workers to exit. Call after close(), not from a worker.
  void join();

  std::size_t workers() const { return workers_.size(); }
  std::size_t high_water() const { return high_water_; }
  // Half the high-water mark: a full worker stops being full at or below it.
  std::size_t low_water() const { return high_water_ / 2; }
  // Thread-safe: the longest queue any worker has had (jobs waiting, the
  // running one not counted).
  std::size_t peak() const { return peak_.load(std::memory_order_relaxed); }

 private:
  struct Worker {
    mutable std::mutex mu;
    std::condition_variable wake;
    // Past high_water_ only by what the caller submits before it has
    // stopped producing (N2 bounds it).
    std::deque<Job> queue;
    bool full = false;  // reached high_water_, not yet back to low_water()
    bool closed = false;
    std::thread thread;
  };
  void work(Worker& w);

  const std::size_t high_water_;
  const Drained on_drained_;
  std::atomic<std::size_t> peak_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<uint8_t> to_wake_;  // producer thread only: got jobs since wake()
};

}  // namespace lc::runtime
