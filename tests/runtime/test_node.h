// Helpers of the runtime tests: a Runtime on its own thread (TestNode), a
// raw loopback TCP client (RawClient) and a listener that plays a node
// (FakePeer). Timers: ping_interval 1 s, ping_timeout 500 ms, node_timeout
// 3 s. Every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "libcluster/runtime/runtime.h"
#include "libcluster/wire/codec.h"
#include "libcluster/wire/framer.h"
#include "polling.h"

namespace lc::runtime::test {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

using NodePorts = std::vector<std::pair<int32_t, uint16_t>>;

inline NodePorts ports(int n) {
  NodePorts v;
  for (int i = 1; i <= n; ++i) v.emplace_back(i, free_port());
  return v;
}

// Tweaks applied before start(): options, then modules (register_module is
// a loop-thread call, made before the loop runs).
struct NodeSetup {
  std::function<void(Options&)> options;
  std::function<void(Runtime&)> modules;
};

class TestNode {
 public:
  TestNode(int32_t id, const NodePorts& all, const NodeSetup& setup = {}) {
    core::Config cfg;
    cfg.my_node_id = id;
    cfg.db_mode = false;
    cfg.ping_interval_s = 1;
    cfg.ping_timeout_ms = 500;
    cfg.node_timeout_s = 3;
    core::ClusterSpec spec;
    spec.cluster_id = 1;
    for (auto [nid, port] : all) {
      core::NodeInfo n;
      n.node_id = nid;
      n.url = "bin:127.0.0.1:" + std::to_string(port);
      if (nid == id) {
        spec.local = n;
        port_ = port;
      } else {
        spec.nodes.push_back(n);
      }
    }
    EXPECT_FALSE(core::Engine::validate(cfg, {spec}));
    Options opts;
    opts.listeners.push_back({"127.0.0.1", port_});
    if (setup.options) setup.options(opts);
    rt_ = std::make_unique<Runtime>(core::Engine(cfg, {spec}, clock_now()), opts);
    if (setup.modules) setup.modules(*rt_);
    rt_->add_event_listener([this](const core::Event& e) {
      std::lock_guard lock(mu_);
      if (auto* s = std::get_if<core::NodeStateChanged>(&e)) events_.push_back(*s);
    });
    auto err = rt_->start();
    EXPECT_FALSE(err) << *err;
    thread_ = std::thread([this] { rt_->run(); });
  }
  ~TestNode() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    rt_->stop();
    thread_.join();
  }

  Runtime& rt() { return *rt_; }
  uint16_t port() const { return port_; }
  std::vector<core::NodeStateChanged> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  core::LinkState link(int32_t node) {
    return rt_->call([&](core::Engine& e, core::Now) {
      const auto clusters = e.list();
      for (const auto& n : clusters[0].nodes)
        if (n.node_id == node) return n.link_state;
      return core::LinkState::kDown;
    });
  }
  // How many node_states reports (one per reachability change) it holds.
  std::size_t node_state_reports() {
    return rt_->call([](core::Engine& e, core::Now) { return e.node_states_reports().size(); });
  }
  bool reachable(int32_t node) {
    return rt_->call([&](core::Engine& e, core::Now) { return e.get_next_hop(1, node).has_value(); });
  }
  // Read on the loop thread, so that the handler which closed a connection
  // (and which a peer may see before it returns) has counted everything.
  Runtime::Counters counters() {
    return rt_->call([this](core::Engine&, core::Now) { return rt_->counters(); });
  }
  std::thread::id loop_thread_id() {
    return rt_->call([](core::Engine&, core::Now) { return std::this_thread::get_id(); });
  }

 private:
  uint16_t port_ = 0;
  std::unique_ptr<Runtime> rt_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<core::NodeStateChanged> events_;
};

// A PING of cluster 1 from `src`, as a peer node sends it.
inline wire::Bytes ping_from(int32_t src) {
  return wire::encode(wire::InternalMessage{1, src, wire::Ping{0}, wire::kBinVersion});
}

inline int connect_loopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A plain TCP client of a runtime's BIN listener.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(connect_loopback(port)) {}
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool write(std::span<const uint8_t> bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Waits at most `limit` for the peer to close (EOF or reset); anything it
  // sends meanwhile is read and ignored.
  bool closed_within(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      uint8_t buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
};

// Listens on a node's port and reads what the runtime sends to that node:
// counts the PONGs it receives and hands every internal message, with the
// connection it came on, to `on_message` (which may answer on that fd).
// Single-threaded: whoever calls pongs_reach or serve_for owns it.
class FakePeer {
 public:
  using Handler = std::function<void(int fd, const wire::InternalMessage&)>;

  explicit FakePeer(uint16_t port, Handler on_message = {}) : on_message_(std::move(on_message)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd_, 8) == 0;
  }
  ~FakePeer() {
    for (auto& c : conns_) ::close(c.fd);
    ::close(fd_);
  }
  FakePeer(const FakePeer&) = delete;
  FakePeer& operator=(const FakePeer&) = delete;

  bool ok() const { return ok_; }
  // Reads for at most `limit` until `n` PONGs in all arrived.
  bool pongs_reach(int n, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (pongs_ < n && std::chrono::steady_clock::now() < end) poll_once(10);
    return pongs_ >= n;
  }
  int pongs() const { return pongs_; }
  // Accepts, reads and handles for `limit`.
  void serve_for(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) poll_once(10);
  }

 private:
  struct Conn {
    int fd;
    wire::StreamFramer framer;
  };
  void poll_once(int timeout_ms) {
    std::vector<pollfd> fds{{fd_, POLLIN, 0}};
    for (auto& c : conns_) fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    std::vector<int> gone;
    for (std::size_t i = 1; i < fds.size(); ++i)
      if (fds[i].revents && !read_from(conns_[i - 1])) gone.push_back(conns_[i - 1].fd);
    for (int fd : gone) {
      ::close(fd);
      std::erase_if(conns_, [fd](const Conn& c) { return c.fd == fd; });
    }
    if (fds[0].revents & POLLIN) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c >= 0) conns_.push_back(Conn{c, {}});
    }
  }
  // False once the runtime closed the connection.
  bool read_from(Conn& c) {
    uint8_t buf[65536];
    ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return false;
    if (n < 0) return true;
    c.framer.feed(std::span<const uint8_t>(buf, static_cast<std::size_t>(n)));
    for (int i = 0; i < 4096; ++i) {  // bound: packets of one read
      auto r = c.framer.next();
      if (!r.packet) break;
      auto p = wire::decode(*r.packet);
      if (!p) continue;
      auto* m = std::get_if<wire::InternalMessage>(&*p);
      if (!m) continue;
      if (std::holds_alternative<wire::Pong>(m->body)) ++pongs_;
      if (on_message_) on_message_(c.fd, *m);
    }
    return true;
  }

  int fd_ = -1;
  bool ok_ = false;
  Handler on_message_;
  std::vector<Conn> conns_;
  int pongs_ = 0;
};

}  // namespace lc::runtime::test
