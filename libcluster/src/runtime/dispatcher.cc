#include "dispatcher.h"

#include <cassert>

namespace lc::runtime {

Dispatcher::Dispatcher(std::size_t workers, std::size_t high_water, Drained on_drained)
    : high_water_(high_water), on_drained_(std::move(on_drained)) {
  assert(workers >= 1 && high_water >= 1);
  workers_.reserve(workers);
  to_wake_.assign(workers, 0);
  for (std::size_t i = 0; i < workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->thread = std::thread([this, raw = w.get()] { work(*raw); });
    workers_.push_back(std::move(w));
  }
}

Dispatcher::~Dispatcher() {
  close();
  join();
}

bool Dispatcher::submit(uint64_t key, Job job) {
  const std::size_t i = key % workers_.size();
  Worker& w = *workers_[i];
  bool full = false;
  {
    std::lock_guard lock(w.mu);
    if (w.closed) return false;
    w.queue.push_back(std::move(job));
    const std::size_t n = w.queue.size();
    if (n >= high_water_) w.full = true;
    full = w.full;
    std::size_t seen = peak_.load(std::memory_order_relaxed);
    while (n > seen && !peak_.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
    }
  }
  to_wake_[i] = 1;
  return full;
}

void Dispatcher::wake() {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (!to_wake_[i]) continue;
    to_wake_[i] = 0;
    // The notify needs no lock: a worker checks the queue under it before
    // waiting, and the jobs were queued under it.
    workers_[i]->wake.notify_one();
  }
}

bool Dispatcher::any_full() const {
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mu);
    if (w->full) return true;
  }
  return false;
}

void Dispatcher::close() {
  for (auto& w : workers_) {
    std::deque<Job> dropped;  // destroyed outside the lock
    {
      std::lock_guard lock(w->mu);
      w->closed = true;
      dropped.swap(w->queue);
    }
    w->wake.notify_one();
  }
}

void Dispatcher::join() {
  for (auto& w : workers_) {
    assert(w->thread.get_id() != std::this_thread::get_id());
    if (w->thread.joinable()) w->thread.join();
  }
}

void Dispatcher::work(Worker& w) {
  for (;;) {
    Job job;
    bool drained = false;
    {
      std::unique_lock lock(w.mu);
      w.wake.wait(lock, [&] { return w.closed || !w.queue.empty(); });
      if (w.closed) return;  // close() discarded what was queued
      job = std::move(w.queue.front());
      w.queue.pop_front();
      // Room again: say so before running the job, so that the producer
      // resumes as soon as possible (one call per full episode).
      if (w.full && w.queue.size() <= low_water()) {
        w.full = false;
        drained = true;
      }
    }
    if (drained && on_drained_) on_drained_();
    job();
  }
}

}  // namespace lc::runtime
