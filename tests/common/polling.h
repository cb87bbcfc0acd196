// Helpers for tests that talk to real sockets and processes: a free loopback
// port, and a bounded wait for a condition.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <thread>

namespace lc::test {

// A free TCP port on 127.0.0.1 for a server a test starts later. Taken at
// random below Linux's ephemeral range (32768-60999 by default): a port the
// kernel handed out (bind to 0) is in that range, and until the server
// binds it any outgoing connection of a test running in parallel may be
// given it as its local port ("Address already in use" seconds later).
//
// Handed out in sequence from a random start in each test process: picks
// at random could give one process the same port twice (nothing is bound
// between two picks; a 4-port fixture hit that about once in 2,000 runs,
// so a node could not bind and its peer never saw it), and random starts
// keep parallel test processes apart.
inline uint16_t free_port() {
  constexpr uint32_t kLow = 20000, kHigh = 32700, kTries = 200;
  // Binds 127.0.0.1:port (0: the kernel chooses) and releases it; the port
  // bound, or 0 if the bind failed.
  auto try_port = [](uint16_t port) -> uint16_t {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    socklen_t len = sizeof a;
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    ::close(fd);
    return bound ? ntohs(a.sin_port) : 0;
  };
  // One cursor per process (an inline function's static is one object in
  // the whole program), safe from several threads.
  static std::atomic<uint32_t> cursor{std::random_device{}()};
  for (uint32_t i = 0; i < kTries; ++i) {
    const uint32_t n = cursor.fetch_add(1);
    if (uint16_t port = try_port(static_cast<uint16_t>(kLow + n % (kHigh - kLow + 1)))) return port;
  }
  return try_port(0);  // every try was taken (a crowded host): let the kernel choose
}

// Polls `cond` every 10 ms for at most `limit`; returns how long it took,
// or nothing if it never held.
template <class F>
std::optional<std::chrono::milliseconds> wait_for(F cond, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < limit) {
    if (cond())
      return std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

}  // namespace lc::test
