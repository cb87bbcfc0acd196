#include "dispatcher.h"

#include <cassert>

namespace lc::runtime {

Dispatcher::Dispatcher(std::size_t workers, std::size_t queue_limit) : queue_limit_(queue_limit) {
  assert(workers >= 1 && queue_limit >= 1);
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->thread = std::thread([raw = w.get()] { work(*raw); });
    workers_.push_back(std::move(w));
  }
}

Dispatcher::~Dispatcher() {
  close();
  join();
}

bool Dispatcher::submit(uint64_t key, Job job) {
  Worker& w = *workers_[key % workers_.size()];
  {
    std::lock_guard lock(w.mu);
    if (w.closed || w.queue.size() >= queue_limit_) return false;
    w.queue.push_back(std::move(job));
  }
  w.wake.notify_one();
  return true;
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
    {
      std::unique_lock lock(w.mu);
      w.wake.wait(lock, [&] { return w.closed || !w.queue.empty(); });
      if (w.closed) return;  // close() discarded what was queued
      job = std::move(w.queue.front());
      w.queue.pop_front();
    }
    job();
  }
}

}  // namespace lc::runtime
