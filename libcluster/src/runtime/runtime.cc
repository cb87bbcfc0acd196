#include "libcluster/runtime/runtime.h"

#include <array>
#include <asio.hpp>
#include <cassert>
#include <chrono>
#include <deque>
#include <map>
#include <thread>
#include <unordered_map>

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

}  // namespace

struct Connection : std::enable_shared_from_this<Connection> {
  Connection(asio::io_context& io, uint64_t id) : id(id), sock(io), resolver(io) {}
  uint64_t id;
  tcp::socket sock;
  tcp::resolver resolver;
  bool outbound = false;
  bool connected = false;
  bool closed = false;
  std::string key;      // outbound: "host:port" of the URL
  std::string peer_ip;  // inbound: the peer's address
  int32_t node_id = 0;  // the node at the other end, once known
  wire::StreamFramer framer;
  std::array<uint8_t, 65536> rbuf{};
  std::deque<std::vector<uint8_t>> queue;
  std::size_t queued_bytes = 0;
  std::vector<std::vector<uint8_t>> in_flight;
  bool writing = false;
};
using ConnPtr = std::shared_ptr<Connection>;

struct Backoff {
  int failures = 0;
  int64_t next_attempt_ms = 0;
};

struct Runtime::Impl {
  Impl(core::Engine e, Options o)
      : engine(std::move(e)), options(std::move(o)), timer(io),
        pool(options.dispatch_jobs ? std::make_unique<asio::thread_pool>(options.worker_threads)
                                   : nullptr) {}

  asio::io_context io;
  core::Engine engine;
  Options options;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  asio::steady_timer timer;
  int64_t armed_deadline_ms = -1;
  std::unique_ptr<asio::thread_pool> pool;
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
    ModuleHandler handler;
  };
  std::map<std::string, Module, std::less<>> modules;
  std::map<int, EventListener> listeners;
  int next_listener_id = 1;
  bool flushing = false;
  bool stopping = false;
  Counters counters;

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
    if (const auto* m = std::get_if<core::ModuleEvent>(&e)) {
      auto it = modules.find(m->module);
      if (it != modules.end()) {
        if (pool)
          asio::post(*pool, [h = it->second.handler, ev = *m] { h(ev); });
        else
          it->second.handler(*m);
      }
    }
    // Listeners may add or remove listeners; iterate over a snapshot.
    auto snapshot = listeners;
    for (auto& [id, l] : snapshot) l(e);
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

  void on_connected(const ConnPtr& c) {
    c->connected = true;
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
      // Bound: a read of n bytes holds at most n / 17 packets.
      for (std::size_t i = 0; i <= n / wire::kMinPacketSize + 1; ++i) {
        auto r = c->framer.next();
        if (r.error) {
          close(c, false);  // garbage on the stream: not a peer failure
          break;
        }
        if (!r.packet) break;
        ++counters.packets_in;
        on_packet(c, *r.packet);
      }
      flush();
      if (!c->closed) start_read(c);
    });
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
      asio::error_code pec;
      auto remote = sock.remote_endpoint(pec);
      c->peer_ip = pec ? "" : remote.address().to_string();
      if (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped())
        c->peer_ip = asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6())
                         .to_string();
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
  if (impl_->pool) impl_->pool->join();
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
}

void Runtime::stop() {
  asio::post(impl_->io, [this] {
    Impl& s = *impl_;
    s.stopping = true;
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

void Runtime::post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

bool Runtime::on_loop_thread() const {
  return impl_->io.get_executor().running_in_this_thread();
}

core::Engine& Runtime::engine() { return impl_->engine; }
core::Now Runtime::now() const { return impl_->now(); }
void Runtime::flush() { impl_->flush(); }

bool Runtime::register_module(const std::string& name, const std::vector<int32_t>& cluster_ids,
                              bool auth_check, ModuleHandler handler) {
  if (!impl_->engine.register_module(name, cluster_ids, auth_check)) return false;
  impl_->modules[name] = Impl::Module{cluster_ids, auth_check, std::move(handler)};
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

Runtime::Counters Runtime::counters() const { return impl_->counters; }

}  // namespace lc::runtime
