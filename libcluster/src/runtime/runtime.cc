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
// Reads paused this long (handlers far behind) are logged as a warning, once
// per pause; shorter pauses are routine backpressure (N2), logged at debug.
constexpr int64_t kLongPauseMs = 1000;

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
  // Reads are paused (N2) and this connection waits in Impl::parked: no read
  // pending; the framer may still hold complete packets, handed to the
  // engine on resume before the next read.
  bool parked = false;
};
using ConnPtr = std::shared_ptr<Connection>;

// Runtime::Counters, incremented on the loop thread and read from any.
struct AtomicCounters {
  std::atomic<uint64_t> packets_in{0}, packets_out{0}, bytes_in{0}, bytes_out{0};
  std::atomic<uint64_t> connects{0}, connect_failures{0}, resets{0}, dropped_writes{0};
  std::atomic<uint64_t> partial_timeouts{0}, read_pauses{0}, read_paused_ms{0};

  // dispatch_queue_peak is the dispatcher's; Runtime::counters() adds it.
  Runtime::Counters snapshot() const {
    Runtime::Counters c;
    c.packets_in = packets_in.load();
    c.packets_out = packets_out.load();
    c.bytes_in = bytes_in.load();
    c.bytes_out = bytes_out.load();
    c.connects = connects.load();
    c.connect_failures = connect_failures.load();
    c.resets = resets.load();
    c.dropped_writes = dropped_writes.load();
    c.partial_timeouts = partial_timeouts.load();
    c.read_pauses = read_pauses.load();
    c.read_paused_ms = read_paused_ms.load();
    return c;
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
std::unique_ptr<Dispatcher> make_dispatcher(const Options& o, Dispatcher::Drained on_drained) {
  if (!o.dispatch_jobs) return nullptr;
  return std::make_unique<Dispatcher>(o.worker_threads, o.dispatch_queue_limit,
                                      std::move(on_drained));
}

struct Runtime::Impl {
  Impl(core::Engine e, Options o)
      : engine(std::move(e)), options(sanitized(std::move(o))), timer(io), pause_timer(io),
        dispatcher(make_dispatcher(options, [this] { worker_drained(); })) {}

  asio::io_context io;
  core::Engine engine;
  Options options;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  asio::steady_timer timer;
  int64_t armed_deadline_ms = -1;
  // Backpressure (N2): reading from every BIN connection is paused while a
  // worker is full; `parked` lists, oldest first, the connections waiting to
  // read again (each at most once). Empty whenever reads are not paused.
  bool reads_paused = false;
  int64_t paused_since_ms = 0;
  std::deque<uint64_t> parked;
  asio::steady_timer pause_timer;  // warns once a pause lasts kLongPauseMs
  std::unique_ptr<Dispatcher> dispatcher;  // null: handlers run inline
  Inbox inbox;
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
    std::optional<core::CapabilitySpec> capability;  // register_capability
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
    // The events dispatched since the last flush, by it or by drain, in one
    // wake-up per worker. Every dispatch is followed by a flush.
    if (dispatcher) dispatcher->wake();
    arm_timer();
  }

  // Dispatches the events queued so far, transmits left for the next flush
  // (drain calls it after each packet, so that a full worker pauses reading
  // at once). As inside flush, a flush from a handler or listener run here
  // returns at once: no handler runs nested in another.
  void dispatch_events() {
    if (flushing) return;
    flushing = true;
    while (auto e = engine.poll_event()) dispatch(*e);
    flushing = false;
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
    // Never dropped, whatever its kind: a full worker pauses reading instead.
    if (dispatcher->submit(key, std::move(job))) pause_reads();
  }

  // ---------------------------------------------------------------- backpressure (N2)

  // A worker's queue reached dispatch_queue_limit: read nothing more from
  // any connection (the rest of the current read waits in its framer) until
  // every full worker has drained to half the limit. Reading from all
  // connections, not only those of the full worker's nodes, because the
  // worker an event goes to is known only once the engine has handled the
  // packet (a relayed packet, a topology update about other nodes, an
  // accepted connection not yet identified).
  void pause_reads() {
    if (reads_paused || stopping) return;
    reads_paused = true;
    paused_since_ms = mono_ms();
    const uint64_t n = ++counters.read_pauses;
    spdlog::debug("module handlers are behind: reading from BIN connections paused (pause {})", n);
    pause_timer.expires_after(std::chrono::milliseconds(kLongPauseMs));
    pause_timer.async_wait([this, n](const asio::error_code& ec) {
      if (ec || !reads_paused || counters.read_pauses.load() != n) return;
      spdlog::warn("module handlers are behind: reading from BIN connections paused for {} ms so "
                   "far (queue limit {} per worker); peers will see this node's links time out "
                   "if it lasts",
                   mono_ms() - paused_since_ms, dispatcher->high_water());
    });
  }

  // On a worker thread: its queue is back at the low-water mark.
  void worker_drained() {
    asio::post(io, [this] { resume_reads(); });
  }

  // On the loop: if no worker is full any more, hands the parked connections
  // their buffered packets, oldest parked first (so that a connection with
  // a backlog cannot starve the others), and reads again; stops early if that
  // fills a worker again, the rest staying parked in order.
  void resume_reads() {
    if (!reads_paused || stopping || dispatcher->any_full()) return;
    reads_paused = false;
    pause_timer.cancel();
    const int64_t paused_ms = mono_ms() - paused_since_ms;
    counters.read_paused_ms += static_cast<uint64_t>(paused_ms);
    if (paused_ms >= kLongPauseMs)
      spdlog::warn("reading from BIN connections resumed after a pause of {} ms", paused_ms);
    // Time spent paused does not count towards tcp_max_msg_time: the rest of
    // a partial packet waited in our socket buffer, not on the peer.
    for (auto& [id, c] : conns) {
      if (c->partial_since_ms < 0) continue;
      c->partial_since_ms += paused_ms;
      if (!c->partial_timer_armed) arm_partial_timer(c);
    }
    while (!parked.empty() && !reads_paused) {
      const uint64_t id = parked.front();
      parked.pop_front();
      auto it = conns.find(id);
      if (it == conns.end()) continue;  // closed meanwhile
      ConnPtr c = it->second;
      c->parked = false;
      after_feed(c);
    }
    flush();
  }

  // Reads are paused: `c` reads nothing more until resume_reads.
  void park(const ConnPtr& c) {
    if (c->parked) return;
    c->parked = true;
    parked.push_back(c->id);
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

  // Reads the next bytes of `c`, unless reads are paused: it then parks.
  void start_read(const ConnPtr& c) {
    if (reads_paused) return park(c);
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
      after_feed(c);
      flush();
    });
  }

  // The framer of `c` got bytes (a read) or holds some since it parked (a
  // resume): its complete packets go to the engine, then it reads on; if
  // reads pause meanwhile, it parks with the rest still in its framer (at
  // most one read and a partial packet).
  void after_feed(const ConnPtr& c) {
    const std::size_t packets = drain(c);
    if (c->closed) return;
    if (reads_paused) return park(c);
    track_partial(c, packets > 0);
    start_read(c);
  }

  // Hands the complete packets of the framer to the engine, dispatching the
  // events of each before the next, until none is left or reads pause (a
  // worker got full): so a worker's queue passes dispatch_queue_limit by the
  // events of one packet at most. Returns how many packets.
  std::size_t drain(const ConnPtr& c) {
    std::size_t packets = 0;
    // Bound: n buffered bytes complete at most n / 17 packets.
    const std::size_t bound = c->framer.buffered_bytes() / wire::kMinPacketSize + 1;
    for (std::size_t i = 0; i <= bound && !reads_paused; ++i) {
      auto r = c->framer.next();
      if (r.error) {
        close(c, false);  // garbage on the stream: not a peer failure
        break;
      }
      if (!r.packet) break;
      ++counters.packets_in;
      ++packets;
      on_packet(c, *r.packet);
      dispatch_events();
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
      if (reads_paused) return;  // resume_reads re-arms it, the pause not counted
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
    if (c->parked) std::erase(parked, c->id);  // parked holds open connections only
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
    s.pause_timer.cancel();
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

std::size_t Runtime::queued_bytes_to(int32_t node_id) const {
  assert(on_loop_thread() || impl_->loop_thread == std::thread::id{});
  auto key = impl_->node_key.find(node_id);
  if (key == impl_->node_key.end()) return 0;
  auto id = impl_->outbound.find(key->second);
  if (id == impl_->outbound.end()) return 0;
  auto c = impl_->conns.find(id->second);
  return c == impl_->conns.end() ? 0 : c->second->queued_bytes;
}

std::size_t Runtime::max_queued_bytes_per_connection() const {
  return impl_->options.max_queued_bytes_per_connection;
}

core::Engine& Runtime::engine() { return impl_->engine; }
core::Now Runtime::now() const { return impl_->now(); }
void Runtime::flush() { impl_->flush(); }

bool Runtime::register_module(const std::string& name, const std::vector<int32_t>& cluster_ids,
                              bool auth_check, ModuleHandler handler) {
  if (!impl_->engine.register_module(name, cluster_ids, auth_check)) return false;
  impl_->modules[name] = Impl::Module{cluster_ids, auth_check,
                                      std::make_shared<const ModuleHandler>(std::move(handler)),
                                      std::nullopt};
  return true;
}

bool Runtime::register_capability(const core::CapabilitySpec& spec, ModuleHandler handler) {
  if (!impl_->engine.register_capability(spec)) return false;
  impl_->modules[spec.name] =
      Impl::Module{{spec.cluster_id}, spec.auth_check,
                   std::make_shared<const ModuleHandler>(std::move(handler)), spec};
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
  core::Engine previous = std::move(s.engine);
  s.engine = std::move(engine);
  // Modules survive a reload, in the clusters that still exist.
  for (const auto& [name, m] : s.modules) {
    if (m.capability) {
      if (s.engine.has_cluster(m.capability->cluster_id))
        s.engine.register_capability(*m.capability);
      continue;
    }
    std::vector<int32_t> ids;
    for (int32_t id : m.cluster_ids)
      if (s.engine.has_cluster(id)) ids.push_back(id);
    if (!ids.empty()) s.engine.register_module(name, ids, m.auth_check);
  }
  // ...with their sync state and reports (mi.md §2.1).
  s.engine.keep_capabilities_of(previous);
  s.armed_deadline_ms = -1;
  s.flush();
}

void* Runtime::io_context() { return &impl_->io; }

Runtime::Counters Runtime::counters() const {
  Counters c = impl_->counters.snapshot();
  if (impl_->dispatcher) c.dispatch_queue_peak = impl_->dispatcher->peak();
  return c;
}

}  // namespace lc::runtime
