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
  // dispatch_jobs: true runs module handlers on a small worker pool, false
  // inline on the loop thread.
  bool dispatch_jobs = true;
  std::size_t worker_threads = 2;
  // Bound of the bytes queued on one connection; past it packets are
  // dropped and reported as send failures.
  std::size_t max_queued_bytes_per_connection = 8u << 20;
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
  // Thread-safe. Closes every connection (peers see the links drop at once)
  // and makes run() return.
  void stop();

  // Thread-safe: runs fn(engine, now) on the loop thread and waits for its
  // result; runs it inline when already on the loop thread.
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
    post([this, task] {
      (*task)();
      flush();
    });
    return fut.get();
  }
  // Thread-safe: closes every BIN connection without stopping the node, as a
  // peer recycling its connections does. Links must survive it unchanged.
  void close_connections();
  // Thread-safe: runs fn on the loop thread later.
  void post(std::function<void()> fn);
  bool on_loop_thread() const;

  // Loop thread only.
  core::Engine& engine();
  core::Now now() const;
  // Carries out everything the engine queued and re-arms the timer. Call
  // after any direct engine command made on the loop thread.
  void flush();
  // Registers a module with the engine and its handler.
  bool register_module(const std::string& name, const std::vector<int32_t>& cluster_ids,
                       bool auth_check, ModuleHandler handler);
  int add_event_listener(EventListener l);
  void remove_event_listener(int id);
  // Replaces the engine (clusterer_reload), keeping modules and listeners.
  void replace_engine(core::Engine engine);

  // The loop's executor, for servers (MI) that share the loop.
  void* io_context();

  struct Counters {
    uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
    uint64_t connects = 0, connect_failures = 0, resets = 0, dropped_writes = 0;
  };
  Counters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lc::runtime
