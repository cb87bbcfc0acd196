#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

namespace lc::itest {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

Proxy::Proxy(uint16_t listen_port, uint16_t target_port)
    : listen_port_(listen_port), target_port_(target_port), thread_([this] { loop(); }) {}

Proxy::~Proxy() {
  stop_ = true;
  thread_.join();
}

void Proxy::cut() { cut_ = true; }
void Proxy::heal() { cut_ = false; }

int Proxy::open_listener() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto a = loopback(listen_port_);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One thread, poll over the listener and every relayed socket pair. Bounded
// by the test: stops when stop_ is set.
void Proxy::loop() {
  int listener = open_listener();
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
      if (listener >= 0) ::close(listener);
      listener = -1;
      while (!peer.empty()) close_pair(peer.begin()->first);
    } else if (listener < 0) {
      listener = open_listener();
    }
    std::vector<pollfd> fds;
    if (listener >= 0) fds.push_back({listener, POLLIN, 0});
    for (auto& [fd, other] : peer) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    for (const auto& p : fds) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (p.fd == listener) {
        int in = ::accept(listener, nullptr, nullptr);
        if (in < 0) continue;
        int out = ::socket(AF_INET, SOCK_STREAM, 0);
        auto a = loopback(target_port_);
        if (::connect(out, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
          ::close(in);
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
      if (n <= 0 || ::send(peer[p.fd], buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n)
        close_pair(p.fd);
    }
  }
  if (listener >= 0) ::close(listener);
  while (!peer.empty()) close_pair(peer.begin()->first);
}

}  // namespace lc::itest
