#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace lc::itest {
namespace {

using namespace std::chrono_literals;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int open_listener(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto a = loopback(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Writes all of `n` bytes (blocking socket); false when the peer is gone.
bool send_all(int fd, const char* data, ssize_t n) {
  for (ssize_t off = 0; off < n;) {
    ssize_t w = ::send(fd, data + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

}  // namespace

Proxy::Proxy(uint16_t listen_port, uint16_t target_port)
    : listen_port_(listen_port), target_port_(target_port), listener_(open_listener(listen_port)) {
  if (listener_ < 0) throw std::runtime_error("proxy cannot listen on 127.0.0.1:" + std::to_string(listen_port));
  thread_ = std::thread([this] { loop(); });
}

Proxy::~Proxy() {
  stop_ = true;
  thread_.join();
}

void Proxy::cut() {
  cut_done_ = false;
  cut_ = true;
  for (int i = 0; i < 200 && !cut_done_; ++i) std::this_thread::sleep_for(10ms);  // ≤ 2 s
}

void Proxy::heal() {
  clogged_ = false;
  cut_ = false;
}

void Proxy::clog() { clogged_ = true; }

// One thread, poll over the listener and every relayed socket pair. Bounded
// by the test: stops when stop_ is set.
void Proxy::loop() {
  std::map<int, int> peer;  // fd -> the other end
  auto close_pair = [&](int fd) {
    int other = peer[fd];
    // RST rather than FIN, like a peer that vanished.
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::setsockopt(other, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
    ::close(other);
    peer.erase(fd);
    peer.erase(other);
  };
  while (!stop_) {
    if (cut_) {
      if (listener_ >= 0) ::close(listener_);
      listener_ = -1;
      while (!peer.empty()) close_pair(peer.begin()->first);
      cut_done_ = true;
    } else if (listener_ < 0) {
      listener_ = open_listener(listen_port_);
    }
    const bool flowing = !clogged_;
    std::vector<pollfd> fds;
    if (listener_ >= 0) fds.push_back({listener_, POLLIN, 0});
    // Clogged, the relayed sockets are not polled at all: a hung-up one
    // would report POLLHUP at once, every round (a busy loop).
    if (flowing)
      for (auto& [fd, other] : peer) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
    for (const auto& p : fds) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (p.fd == listener_) {
        int in = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (in < 0) continue;
        int out = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto a = loopback(target_port_);
        if (::connect(out, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
          ::close(in);  // the target is not there: the caller sees its connection end
          ::close(out);
          continue;
        }
        peer[in] = out;
        peer[out] = in;
        continue;
      }
      if (!peer.count(p.fd)) continue;  // closed earlier in this round
      char buf[65536];
      ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n <= 0 || !send_all(peer[p.fd], buf, n)) close_pair(p.fd);
    }
  }
  if (listener_ >= 0) ::close(listener_);
  while (!peer.empty()) close_pair(peer.begin()->first);
}

}  // namespace lc::itest
