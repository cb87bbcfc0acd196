#include "libcluster/runtime/runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <atomic>
#include <cassert>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "dispatcher.h"
#include "libcluster/core/url.h"
#include "libcluster/wire/constants.h"
#include "libcluster/wire/framer.h"

namespace lc::runtime {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

int64_t mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

int64_t unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Source node id of a complete packet: the internal prefix or the trailer.
// Used only to learn who is on an accepted connection.
std::optional<int32_t> peek_source(const std::vector<uint8_t>& p) {
  if (p.size() < wire::kMinPacketSize) return std::nullopt;
  std::size_t cap_len = p[10] | p[11] << 8;
  std::string_view cap(reinterpret_cast<const char*>(p.data()) + 12,
                       std::min(cap_len, p.size() - 12));
  auto at = [&](std::size_t off) -> std::optional<int32_t> {
    if (off + 4 > p.size()) return std::nullopt;
    return static_cast<int32_t>(p[off] | p[off + 1] << 8 | p[off + 2] << 16 |
                                static_cast<uint32_t>(p[off + 3]) << 24);
  };
  if (cap == wire::kCapInternal) return at(12 + cap_len + 8);
  if (p.size() < 12 + cap_len + 4 + 12) return std::nullopt;
  return at(p.size() - 8);
}

// Reconnect back-off after failed connects: 50 ms doubling, at most 1 s.
constexpr int64_t kBackoffFirstMs = 50;
constexpr int64_t kBackoffMaxMs = 1000;
// At most one "module events dropped" warning per this period.
constexpr int64_t kDropWarnPeriodMs = 1000;

Clock::time_point at_ms(int64_t mono_ms) {
  return Clock::time_point(std::chrono::milliseconds(mono_ms));
}

// A module handler, run inline or on a worker. A throwing handler is logged
// and skipped: it must neither kill a worker nor unwind the loop.
void run_handler(const ModuleHandler& handler, const core::ModuleEvent& ev) noexcept {
  try {
    handler(ev);
  } catch (const std::exception& e) {
    spdlog::error("module {}: handler threw: {}", ev.module, e.what());
  } catch (...) {
    spdlog::error("module {}: handler threw a non-exception", ev.module);
  }
}

}  // namespace

struct Connection : std::enable_shared_from_this<Connection> {
  Connection(asio::io_context& io, uint64_t id)
      : id(id), sock(io), resolver(io), partial_timer(io) {}
  uint64_t id;
  tcp::socket sock;
  tcp::resolver resolver;
  bool outbound = false;
  bool connected = false;
  bool closed = false;
  std::string key;      // outbound: "host:port" of the URL
  std::string peer_ip;  // the peer's address, whichever side connected
  int32_t node_id = 0;  // the node at the other end, once known
  wire::StreamFramer framer;
  std::array<uint8_t, 65536> rbuf{};
  std::deque<std::vector<uint8_t>> queue;
  std::size_t queued_bytes = 0;
  std::vector<std::vector<uint8_t>> in_flight;
  bool writing = false;
  // tcp_max_msg_time: when the incomplete packet in the framer started
  // arriving (-1: none), and whether partial_timer has a wait pending (at
  // most one per connection, re-armed rather than stacked).
  asio::steady_timer partial_timer;
  int64_t partial_since_ms = -1;
  bool partial_timer_armed = false;
};
using ConnPtr = std::shared_ptr<Connection>;

// Runtime::Counters, incremented on the loop thread and read from any.
struct AtomicCounters {
  std::atomic<uint64_t> packets_in{0}, packets_out{0}, bytes_in{0}, bytes_out{0};
  std::atomic<uint64_t> connects{0}, connect_failures{0}, resets{0}, dropped_writes{0};
  std::atomic<uint64_t> partial_timeouts{0}, dropped_dispatches{0};

  Runtime::Counters snapshot() const {
    return Runtime::Counters{packets_in.load(),       packets_out.load(), bytes_in.load(),
                             bytes_out.load(),        connects.load(),    connect_failures.load(),
                             resets.load(),           dropped_writes.load(),
                             partial_timeouts.load(), dropped_dispatches.load()};
  }
};

// Tasks handed to the loop by other threads (Runtime::post, call). Owned here
// rather than by asio so that stop() can drop them: a call() waiting on a
// dropped task wakes with Unavailable instead of waiting forever.
class Inbox {
 public:
  bool push(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (closed_ || tasks_.size() >= Runtime::kMaxPostedTasks) return false;
    tasks_.push_back(std::move(fn));
    return true;
  }
  std::function<void()> pop() {
    std::lock_guard lock(mu_);
    if (tasks_.empty()) return {};
    auto fn = std::move(tasks_.front());
    tasks_.pop_front();
    return fn;
  }
  void close() {
    std::deque<std::function<void()>> dropped;  // destroyed outside the lock
    std::lock_guard lock(mu_);
    closed_ = true;
    dropped.swap(tasks_);
  }

 private:
  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;  // at most kMaxPostedTasks
  bool closed_ = false;
};

struct Backoff {
  int failures = 0;
  int64_t next_attempt_ms = 0;
};

// A day: longer than any sane tcp_max_msg_time, short enough that deadline
// arithmetic on steady milliseconds cannot overflow.
constexpr int64_t kMaxMsgTimeCapMs = 24 * 3600 * 1000;

// Options brought within their documented bounds, once.
Options sanitized(Options o) {
  o.worker_threads = std::clamp<std::size_t>(o.worker_threads, 1, kMaxWorkerThreads);
  o.dispatch_queue_limit = std::max<std::size_t>(o.dispatch_queue_limit, 1);
  o.max_msg_time_ms = std::clamp<int64_t>(o.max_msg_time_ms, 0, kMaxMsgTimeCapMs);
  return o;
}

// The worker pool of dispatch_jobs=1; none when handlers run inline.
std::unique_ptr<Dispatcher> make_dispatcher(const Options& o) {
  if (!o.dispatch_jobs) return nullptr;
  return std::make_unique<Dispatcher>(o.worker_threads, o.dispatch_queue_limit);
}

struct Runtime::Impl {
  Impl(core::Engine e, Options o)
      : engine(std::move(e)), options(sanitized(std::move(o))), timer(io),
        dispatcher(make_dispatcher(options)) {}

  asio::io_context io;
  core::Engine engine;
  Options options;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  asio::steady_timer timer;
  int64_t armed_deadline_ms = -1;
  std::unique_ptr<Dispatcher> dispatcher;  // null: handlers run inline
  Inbox inbox;
  int64_t last_drop_warn_ms = INT64_MIN / 2;  // no warning yet
  std::thread::id loop_thread;

  uint64_t next_conn_id = 1;
  std::unordered_map<uint64_t, ConnPtr> conns;
  std::unordered_map<std::string, uint64_t> outbound;  // key -> conn id
  std::unordered_map<std::string, Backoff> backoff;     // key -> state
  std::unordered_map<int32_t, std::string> node_key;    // node -> outbound key
  std::vector<int32_t> failed_sends;                    // reported after the flush loop
  struct Module {
    std::vector<int32_t> cluster_ids;
    bool auth_check = false;
    // Shared with the jobs in flight: copying it per event costs no allocation.
    std::shared_ptr<const ModuleHandler> handler;
  };
  std::map<std::string, Module, std::less<>> modules;
  std::map<int, EventListener> listeners;
  int next_listener_id = 1;
  bool flushing = false;
  bool stopping = false;
  AtomicCounters counters;

  core::Now now() const { return clock_now(); }

  // ---------------------------------------------------------------- flush

  void flush() {
    if (flushing) return;  // the outer flush picks up what was queued
    flushing = true;
    // Bound: each round carries out what the previous one queued; a
    // send-failure feedback loop cannot run forever.
    for (int round = 0; round < 1000; ++round) {
      bool did = false;
      while (auto t = engine.poll_transmit()) {
        transmit(std::move(*t));
        did = true;
      }
      while (auto e = engine.poll_event()) {
        dispatch(*e);
        did = true;
      }
      if (!failed_sends.empty()) {
        auto failed = std::move(failed_sends);
        failed_sends.clear();
        for (int32_t node : failed) engine.on_send_failed(now(), node);
        did = true;
      }
      if (!did) break;
    }
    flushing = false;
    arm_timer();
  }

  void arm_timer() {
    if (stopping) return;
    const int64_t deadline = engine.next_deadline_ms();
    if (deadline == armed_deadline_ms) return;
    armed_deadline_ms = deadline;
    timer.expires_at(Clock::time_point(std::chrono::milliseconds(deadline)));
    timer.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      armed_deadline_ms = -1;
      engine.on_tick(now());
      flush();
    });
  }

  void dispatch(const core::Event& e) {
    if (const auto* m = std::get_if<core::ModuleEvent>(&e)) dispatch_module(*m);
    // Listeners may add or remove listeners; iterate over a snapshot.
    auto snapshot = listeners;
    for (auto& [id, l] : snapshot) l(e);
  }

  // dispatch_jobs: inline on this (the loop) thread, or on the worker of the
  // node the event is about, which keeps each node's events in order.
  void dispatch_module(const core::ModuleEvent& m) {
    auto it = modules.find(m.module);
    if (it == modules.end()) return;
    if (!dispatcher) return run_handler(*it->second.handler, m);
    auto job = [h = it->second.handler, ev = m] { run_handler(*h, ev); };
    const auto key = static_cast<uint64_t>(static_cast<uint32_t>(m.node_id));
    if (!dispatcher->submit(key, std::move(job))) note_dropped_dispatch(m);
  }

  // A worker's queue is full: the event is lost, as an OpenSIPS IPC job is
  // when its pipe is full. Warn at most once per kDropWarnPeriodMs.
  void note_dropped_dispatch(const core::ModuleEvent& m) {
    const uint64_t total = ++counters.dropped_dispatches;
    const int64_t now_ms = mono_ms();
    if (now_ms - last_drop_warn_ms < kDropWarnPeriodMs) return;
    last_drop_warn_ms = now_ms;
    spdlog::warn("module {}: handlers are behind, event from node {} dropped ({} dropped in all; "
                 "queue limit {} per worker)",
                 m.module, m.node_id, total, dispatcher->queue_limit());
  }

  // ---------------------------------------------------------------- other threads

  bool post(std::function<void()> fn) {
    if (!inbox.push(std::move(fn))) return false;
    // One wake-up per task, so tasks keep their order among asio handlers.
    asio::post(io, [this] {
      if (auto task = inbox.pop()) task();
    });
    return true;
  }

  // On the loop thread, at stop: nothing queued for the loop or the workers
  // will run; callers waiting in call() get Unavailable. Running handlers
  // finish; run() joins them.
  void shut_down_queues() {
    inbox.close();
    if (dispatcher) dispatcher->close();
  }

  // ---------------------------------------------------------------- sending

  void transmit(core::Transmit t) {
    if (t.reply_conn_id != 0) {
      auto it = conns.find(t.reply_conn_id);
      if (it != conns.end()) enqueue(it->second, std::move(t.bytes));
      return;
    }
    auto url = core::parse_bin_url(t.url);
    if (!url) return;  // the engine validated it; nothing sensible to do
    const std::string key = url->host + ":" + std::to_string(url->port);
    node_key[t.node_id] = key;
    ConnPtr c;
    if (auto it = outbound.find(key); it != outbound.end()) {
      c = conns.at(it->second);
    } else {
      auto& b = backoff[key];
      if (b.failures > 0 && mono_ms() < b.next_attempt_ms) {
        failed_sends.push_back(t.node_id);  // still backing off: refused at once
        return;
      }
      c = connect(key, *url, t.cluster_id);
    }
    if (c->node_id == 0) c->node_id = t.node_id;
    enqueue(c, std::move(t.bytes));
  }

  ConnPtr new_connection() {
    auto c = std::make_shared<Connection>(io, next_conn_id++);
    conns.emplace(c->id, c);
    return c;
  }

  // Opens an outgoing connection from the IP of our own URL in that cluster
  // (receivers check the sender's address, wire.md §1.2).
  ConnPtr connect(const std::string& key, const core::BinUrl& url, int32_t cluster_id) {
    ConnPtr c = new_connection();
    c->outbound = true;
    c->key = key;
    outbound[key] = c->id;
    ++counters.connects;
    std::optional<asio::ip::address> source;
    if (auto local = engine.local_url(cluster_id)) {
      asio::error_code ec;
      auto host = core::url_host(*local);
      auto addr = host ? asio::ip::make_address(*host, ec) : asio::ip::address{};
      if (host && !ec && !addr.is_unspecified()) source = addr;
    }
    c->resolver.async_resolve(
        url.host, std::to_string(url.port),
        [this, c, source](const asio::error_code& ec, tcp::resolver::results_type results) {
          if (c->closed) return;
          if (ec || results.empty()) return connect_failed(c);
          tcp::endpoint ep = *results.begin();
          asio::error_code bind_ec;
          c->sock.open(ep.protocol(), bind_ec);
          if (!bind_ec && source && source->is_v4() == ep.address().is_v4()) {
            c->sock.bind(tcp::endpoint(*source, 0), bind_ec);
          }
          if (bind_ec) return connect_failed(c);
          c->sock.async_connect(ep, [this, c](const asio::error_code& cec) {
            if (c->closed) return;
            if (cec) return connect_failed(c);
            on_connected(c);
          });
        });
    return c;
  }

  // The peer's IP as the engine compares it with node URLs: an IPv4-mapped
  // IPv6 address (a dual-stack listener) as plain IPv4. Empty if unknown.
  static std::string peer_ip_of(const tcp::socket& sock) {
    asio::error_code ec;
    const auto remote = sock.remote_endpoint(ec);
    if (ec) return {};
    const auto addr = remote.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      return asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).to_string();
    return addr.to_string();
  }

  void on_connected(const ConnPtr& c) {
    c->connected = true;
    // Peers may send anything on a connection we opened (UNKNOWN_ID always
    // comes back this way, wire.md §1.2): its packets are checked against
    // the peer's IP like those of accepted connections.
    c->peer_ip = peer_ip_of(c->sock);
    asio::error_code ec;
    c->sock.set_option(tcp::no_delay(true), ec);
    backoff.erase(c->key);
    start_read(c);
    start_write(c);
  }

  void connect_failed(const ConnPtr& c) {
    ++counters.connect_failures;
    auto& b = backoff[c->key];
    b.failures = std::min(b.failures + 1, 16);
    b.next_attempt_ms =
        mono_ms() + std::min(kBackoffMaxMs, kBackoffFirstMs << (b.failures - 1));
    if (c->node_id != 0) failed_sends.push_back(c->node_id);
    close(c, false);
    flush();
  }

  void enqueue(const ConnPtr& c, std::vector<uint8_t> bytes) {
    if (c->closed) return;
    if (c->queued_bytes + bytes.size() > options.max_queued_bytes_per_connection) {
      ++counters.dropped_writes;
      if (c->node_id != 0) failed_sends.push_back(c->node_id);
      return;
    }
    c->queued_bytes += bytes.size();
    c->queue.push_back(std::move(bytes));
    start_write(c);
  }

  // Writes everything queued in one gather write; packets queued meanwhile
  // go out in the next one.
  void start_write(const ConnPtr& c) {
    if (c->writing || c->queue.empty() || !c->connected || c->closed) return;
    c->writing = true;
    c->in_flight.assign(std::make_move_iterator(c->queue.begin()),
                        std::make_move_iterator(c->queue.end()));
    c->queue.clear();
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(c->in_flight.size());
    for (const auto& b : c->in_flight) bufs.emplace_back(asio::buffer(b));
    asio::async_write(c->sock, bufs, [this, c](const asio::error_code& ec, std::size_t n) {
      c->writing = false;
      if (c->closed) return;
      counters.packets_out += c->in_flight.size();
      counters.bytes_out += n;
      c->queued_bytes -= std::min(c->queued_bytes, n);
      c->in_flight.clear();
      if (ec) {
        close(c, true);
        flush();
        return;
      }
      start_write(c);
    });
  }

  // ---------------------------------------------------------------- receiving

  void start_read(const ConnPtr& c) {
    c->sock.async_read_some(asio::buffer(c->rbuf), [this, c](const asio::error_code& ec,
                                                             std::size_t n) {
      if (c->closed) return;
      if (ec) {
        close(c, true);
        flush();
        return;
      }
      counters.bytes_in += n;
      c->framer.feed(std::span<const uint8_t>(c->rbuf.data(), n));
      const std::size_t packets = drain(c, n);
      if (!c->closed) track_partial(c, packets > 0);
      flush();
      if (!c->closed) start_read(c);
    });
  }

  // Hands every complete packet of the framer to the engine; returns how many.
  std::size_t drain(const ConnPtr& c, std::size_t read_bytes) {
    std::size_t packets = 0;
    // Bound: a read of n bytes completes at most n / 17 + 1 packets.
    for (std::size_t i = 0; i <= read_bytes / wire::kMinPacketSize + 1; ++i) {
      auto r = c->framer.next();
      if (r.error) {
        close(c, false);  // garbage on the stream: not a peer failure
        break;
      }
      if (!r.packet) break;
      ++counters.packets_in;
      ++packets;
      on_packet(c, *r.packet);
      if (c->closed) break;
    }
    return packets;
  }

  // ---------------------------------------------------------------- tcp_max_msg_time

  // After a read: notes when the incomplete packet left in the framer began.
  // Bytes left after a packet completed in this read start a new packet, so
  // a steady stream of large packets never ages; a packet that only grows
  // keeps its first read's time, as OpenSIPS sets the timeout once per packet.
  void track_partial(const ConnPtr& c, bool completed_packets) {
    if (options.max_msg_time_ms == 0) return;
    if (c->framer.buffered_bytes() == 0) {
      c->partial_since_ms = -1;
      return;
    }
    if (c->partial_since_ms < 0 || completed_packets) c->partial_since_ms = mono_ms();
    if (!c->partial_timer_armed) arm_partial_timer(c);
  }

  // One pending wait per connection: when it fires for a packet that has
  // completed since, or for an older one, it re-arms for the current one.
  void arm_partial_timer(const ConnPtr& c) {
    assert(c->partial_since_ms >= 0 && !c->partial_timer_armed);
    c->partial_timer_armed = true;
    c->partial_timer.expires_at(at_ms(c->partial_since_ms + options.max_msg_time_ms));
    c->partial_timer.async_wait([this, c](const asio::error_code& ec) {
      c->partial_timer_armed = false;
      if (ec || c->closed || c->partial_since_ms < 0) return;
      if (mono_ms() - c->partial_since_ms < options.max_msg_time_ms) return arm_partial_timer(c);
      on_partial_timeout(c);
    });
  }

  void on_partial_timeout(const ConnPtr& c) {
    const int64_t age_ms = mono_ms() - c->partial_since_ms;
    spdlog::warn("closing BIN connection {}: incomplete packet of {} bytes held for {} ms "
                 "(tcp_max_msg_time {} ms)",
                 describe(c), c->framer.buffered_bytes(), age_ms, options.max_msg_time_ms);
    ++counters.partial_timeouts;
    // As a broken connection: the engine re-checks the node's link and, if
    // it is still Up, resends the topology the lost packet may have carried.
    close(c, true);
    flush();
  }

  // "from 10.0.0.2:40312 (node 2)" / "to 10.0.0.2:5002 (node 2)", for logs.
  static std::string describe(const ConnPtr& c) {
    asio::error_code ec;
    const auto remote = c->sock.remote_endpoint(ec);
    std::string where = ec ? (c->outbound ? c->key : c->peer_ip)
                           : remote.address().to_string() + ":" + std::to_string(remote.port());
    std::string s = (c->outbound ? "to " : "from ") + where;
    if (c->node_id != 0) s += " (node " + std::to_string(c->node_id) + ")";
    return s;
  }

  void on_packet(const ConnPtr& c, const std::vector<uint8_t>& packet) {
    if (!c->outbound && c->node_id == 0)
      if (auto src = peek_source(packet); src && *src > 0) c->node_id = *src;
    // A packet from a node proves it is alive: stop backing off towards it.
    if (c->node_id != 0)
      if (auto it = node_key.find(c->node_id); it != node_key.end()) backoff.erase(it->second);
    engine.on_packet(now(), core::PeerAddr{c->id, c->peer_ip}, packet);
  }

  void accept(tcp::acceptor& a) {
    a.async_accept([this, &a](const asio::error_code& ec, tcp::socket sock) {
      if (ec) {
        if (ec != asio::error::operation_aborted && !stopping) accept(a);
        return;
      }
      ConnPtr c = new_connection();
      c->peer_ip = peer_ip_of(sock);
      c->sock = std::move(sock);
      c->connected = true;
      start_read(c);
      accept(a);
    });
  }

  // Closes a connection. `reset`: it broke after working, which the engine
  // hears about (a dead peer is then noticed within one round trip).
  void close(const ConnPtr& c, bool reset) {
    if (c->closed) return;
    c->closed = true;
    asio::error_code ec;
    c->sock.shutdown(tcp::socket::shutdown_both, ec);
    c->sock.close(ec);
    c->resolver.cancel();
    c->partial_timer.cancel();
    conns.erase(c->id);
    if (c->outbound) {
      auto it = outbound.find(c->key);
      if (it != outbound.end() && it->second == c->id) outbound.erase(it);
    }
    if (reset && c->connected && c->node_id != 0 && !stopping) {
      ++counters.resets;
      engine.on_connection_reset(now(), c->node_id);
    }
  }
};

core::Now clock_now() { return core::Now{mono_ms(), unix_s()}; }

Runtime::Runtime(core::Engine engine, Options options)
    : impl_(std::make_unique<Impl>(std::move(engine), std::move(options))) {}

Runtime::~Runtime() {
  // Normally done by stop() and run(); here for a runtime that never ran.
  impl_->shut_down_queues();
  if (impl_->dispatcher) impl_->dispatcher->join();
}

std::optional<std::string> Runtime::start() {
  for (const auto& l : impl_->options.listeners) {
    asio::error_code ec;
    auto addr = asio::ip::make_address(l.host, ec);
    if (ec) return "socket " + l.host + ":" + std::to_string(l.port) + ": not an IP address";
    tcp::endpoint ep(addr, l.port);
    auto a = std::make_unique<tcp::acceptor>(impl_->io);
    const std::string where = "bin:" + (addr.is_v6() ? "[" + l.host + "]" : l.host) + ":" +
                              std::to_string(l.port);
    a->open(ep.protocol(), ec);
    if (!ec) a->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && addr.is_v6()) a->set_option(asio::ip::v6_only(true), ec);
    if (!ec) a->bind(ep, ec);
    if (!ec) a->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return "cannot listen on " + where + ": " + ec.message();
    impl_->acceptors.push_back(std::move(a));
  }
  for (auto& a : impl_->acceptors) impl_->accept(*a);
  impl_->loop_thread = std::this_thread::get_id();
  impl_->flush();  // arms the first heartbeat
  return std::nullopt;
}

void Runtime::run() {
  impl_->loop_thread = std::this_thread::get_id();
  auto guard = asio::make_work_guard(impl_->io);
  impl_->io.run();
  // stop() discarded the queued events; wait for the handlers still running,
  // so that nothing runs a handler once run() has returned.
  if (impl_->dispatcher) impl_->dispatcher->join();
}

void Runtime::stop() {
  asio::post(impl_->io, [this] {
    Impl& s = *impl_;
    s.stopping = true;
    s.shut_down_queues();
    s.timer.cancel();
    for (auto& a : s.acceptors) {
      asio::error_code ec;
      a->close(ec);
    }
    auto conns = s.conns;
    for (auto& [id, c] : conns) s.close(c, false);
    s.io.stop();
  });
}

void Runtime::close_connections() {
  asio::post(impl_->io, [this] {
    auto conns = impl_->conns;
    for (auto& [id, c] : conns) impl_->close(c, false);
  });
}

bool Runtime::post(std::function<void()> fn) { return impl_->post(std::move(fn)); }

bool Runtime::on_loop_thread() const {
  return impl_->io.get_executor().running_in_this_thread();
}

core::Engine& Runtime::engine() { return impl_->engine; }
core::Now Runtime::now() const { return impl_->now(); }
void Runtime::flush() { impl_->flush(); }

bool Runtime::register_module(const std::string& name, const std::vector<int32_t>& cluster_ids,
                              bool auth_check, ModuleHandler handler) {
  if (!impl_->engine.register_module(name, cluster_ids, auth_check)) return false;
  impl_->modules[name] = Impl::Module{cluster_ids, auth_check,
                                      std::make_shared<const ModuleHandler>(std::move(handler))};
  return true;
}

int Runtime::add_event_listener(EventListener l) {
  int id = impl_->next_listener_id++;
  impl_->listeners.emplace(id, std::move(l));
  return id;
}

void Runtime::remove_event_listener(int id) { impl_->listeners.erase(id); }

void Runtime::replace_engine(core::Engine engine) {
  Impl& s = *impl_;
  s.engine = std::move(engine);
  // Modules survive a reload, in the clusters that still exist.
  for (const auto& [name, m] : s.modules) {
    std::vector<int32_t> ids;
    for (int32_t id : m.cluster_ids)
      if (s.engine.has_cluster(id)) ids.push_back(id);
    if (!ids.empty()) s.engine.register_module(name, ids, m.auth_check);
  }
  s.armed_deadline_ms = -1;
  s.flush();
}

void* Runtime::io_context() { return &impl_->io; }

Runtime::Counters Runtime::counters() const { return impl_->counters.snapshot(); }

}  // namespace lc::runtime
