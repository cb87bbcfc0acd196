// The node runtime: one asio event loop that owns the BIN listeners, the
// connections, the heartbeat timer and the Engine, feeds the engine with
// packets and the current time, carries out the transmits it returns and
// dispatches its events. Everything but `call`, `post` and `stop` runs on
// the loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "libcluster/core/engine.h"

namespace lc::runtime {

struct Listener {
  std::string host;  // IP literal (IPv4 or IPv6)
  uint16_t port = 0;
};

struct Options {
  std::vector<Listener> listeners;
  // dispatch_jobs (OpenSIPS clusterer parameter): true runs module handlers
  // on a small worker pool, false inline on the loop thread. Event listeners
  // always run on the loop thread. With the pool, the events about one node
  // (its packets, its up/down) reach the handler in the order the engine
  // raised them, one at a time; events about different nodes may run
  // concurrently, so a handler must be thread-safe.
  bool dispatch_jobs = true;
  // Pool size, clamped to [1, kMaxWorkerThreads].
  std::size_t worker_threads = 2;
  // High-water mark of the events waiting for each worker, clamped to >= 1.
  // No event is ever dropped: when a worker's queue reaches it, the runtime
  // stops reading from every BIN connection (Counters::read_pauses) until
  // that queue is back at half of it, so TCP flow control slows the senders;
  // the loop thread never blocks on a slow handler (docs/decisions.md N2).
  std::size_t dispatch_queue_limit = 1024;
  // Bound of the bytes queued on one connection; past it packets are
  // dropped and reported as send failures.
  std::size_t max_queued_bytes_per_connection = 8u << 20;
  // OpenSIPS core tcp_max_msg_time, in milliseconds: a connection holding an
  // incomplete BIN packet for longer than this (counted from the read that
  // brought the packet's first byte) is closed like a broken connection.
  // 0 or less disables the timeout; at most a day.
  int64_t max_msg_time_ms = 4000;
};

constexpr std::size_t kMaxWorkerThreads = 16;

// Thrown by Runtime::call from a thread other than the loop's once the
// runtime has stopped (or its inbox is full): the call did not run.
class Unavailable : public std::runtime_error {
 public:
  explicit Unavailable(const char* why) : std::runtime_error(why) {}
};

// The clock the runtime feeds the engine with: steady milliseconds and UNIX
// seconds.
core::Now clock_now();

// A module's handler (the seed's callback): packets and node events.
using ModuleHandler = std::function<void(const core::ModuleEvent&)>;
// Every engine event, on the loop thread (MI subscribers, logs, MI_CMD runner).
using EventListener = std::function<void(const core::Event&)>;

class Runtime {
 public:
  Runtime(core::Engine engine, Options options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Binds every listener; an error names the address that failed.
  std::optional<std::string> start();
  // Runs the loop on the calling thread until stop().
  void run();
  // Thread-safe. Closes every connection (peers see the links drop at once),
  // discards the module events still queued for the workers and makes run()
  // return; run() then joins the workers, waiting only for handlers already
  // running. From then on call() from other threads throws Unavailable.
  void stop();

  // Thread-safe: runs fn(engine, now) on the loop thread and waits for its
  // result; runs it inline when already on the loop thread. Throws
  // Unavailable if the runtime stopped before running it (so that a handler
  // calling back during shutdown cannot wait forever).
  template <class F>
  auto call(F&& fn) -> decltype(fn(std::declval<core::Engine&>(), core::Now{})) {
    using R = decltype(fn(std::declval<core::Engine&>(), core::Now{}));
    if (on_loop_thread()) {
      if constexpr (std::is_void_v<R>) {
        fn(engine(), now());
        flush();
        return;
      } else {
        R r = fn(engine(), now());
        flush();
        return r;
      }
    }
    auto task = std::make_shared<std::packaged_task<R()>>(
        [this, f = std::forward<F>(fn)]() mutable { return f(engine(), now()); });
    auto fut = task->get_future();
    if (!post([this, task] {
          (*task)();
          flush();
        }))
      throw Unavailable("libcluster runtime: stopped or overloaded");
    try {
      return fut.get();
    } catch (const std::future_error& e) {
      // The loop stopped with the task still queued and dropped it.
      if (e.code() == std::future_errc::broken_promise) throw Unavailable("libcluster runtime: stopped");
      throw;
    }
  }
  // Thread-safe: closes every BIN connection without stopping the node, as a
  // peer recycling its connections does. Links must survive it unchanged.
  void close_connections();
  // Thread-safe: runs fn on the loop thread later. Returns false, dropping
  // fn, once the runtime has stopped or when kMaxPostedTasks tasks are
  // already waiting (the loop is wedged).
  bool post(std::function<void()> fn);
  static constexpr std::size_t kMaxPostedTasks = 65536;
  bool on_loop_thread() const;
  // Loop thread only: bytes waiting to be written on the connection that
  // packets to `node_id` leave by (the outbound connection of its URL); 0
  // when there is none. Bulk producers (a sync donor) pace themselves with
  // it, since past max_queued_bytes_per_connection packets are dropped.
  std::size_t queued_bytes_to(int32_t node_id) const;
  std::size_t max_queued_bytes_per_connection() const;

  // Loop thread only.
  core::Engine& engine();
  core::Now now() const;
  // Carries out everything the engine queued and re-arms the timer. Call
  // after any direct engine command made on the loop thread.
  void flush();
  // Registers a module with the engine and its handler.
  bool register_module(const std::string& name, const std::vector<int32_t>& cluster_ids,
                       bool auth_check, ModuleHandler handler);
  // Registers a capability (core/capabilities.h) and its handler, which
  // gets every ModuleEvent of it, the sync ones included. The handler
  // answers kSyncRequest through call() (engine.sync_chunks, sync_end).
  bool register_capability(const core::CapabilitySpec& spec, ModuleHandler handler);
  int add_event_listener(EventListener l);
  void remove_event_listener(int id);
  // Replaces the engine (clusterer_reload), keeping modules and listeners.
  void replace_engine(core::Engine engine);

  // The loop's executor, for servers (MI) that share the loop.
  void* io_context();

  struct Counters {
    uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
    uint64_t connects = 0, connect_failures = 0, resets = 0, dropped_writes = 0;
    // Connections closed by max_msg_time_ms.
    uint64_t partial_timeouts = 0;
    // dispatch_jobs=1 backpressure (N2): how many times reading from the BIN
    // connections was paused because a worker's queue reached
    // dispatch_queue_limit, the milliseconds spent paused (pauses that have
    // ended), and the longest queue of events any worker has had.
    uint64_t read_pauses = 0, read_paused_ms = 0, dispatch_queue_peak = 0;
  };
  // Thread-safe: a snapshot (each counter read atomically, not all at once).
  Counters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lc::runtime
