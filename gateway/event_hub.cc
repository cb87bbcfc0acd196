#include "event_hub.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>

namespace lc::gateway {
namespace {

using Clock = std::chrono::steady_clock;

// A notification line longer than this ends the connection (a `msg` is at
// most one BIN packet, 64 KiB, so no event comes near it).
constexpr std::size_t kMaxLineBytes = 1u << 20;
// Reconnect back-off: doubles from the first to the last value.
constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kLastRetry{2000};
// How long the subscribe request may take to be answered.
constexpr int kSubscribeReplyMs = 5000;

uint64_t first_seq() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

bool send_line(int fd, const std::string& line) {
  for (std::size_t off = 0; off < line.size();) {
    ssize_t n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

EventHub::EventHub(std::string socket_path, std::size_t capacity)
    : path_(std::move(socket_path)), capacity_(capacity), next_seq_(first_seq() + 1) {
  assert(capacity_ >= 1);
}

EventHub::~EventHub() { stop(); }

void EventHub::start() {
  assert(!thread_.joinable());
  thread_ = std::thread([this] { run(); });
}

void EventHub::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // ends a blocking read in follow_once
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool EventHub::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

uint64_t EventHub::last_seq() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

std::map<std::string, uint64_t> EventHub::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

bool EventHub::connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

EventHub::Batch EventHub::wait_after(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return stop_ || next_seq_ - 1 > after; });
  Batch b;
  b.stopped = stop_;
  b.newest = next_seq_ - 1;
  // Anything after `after` older than the ring's first entry was dropped.
  const uint64_t oldest = ring_.empty() ? next_seq_ : ring_.front().seq;
  b.gap = after + 1 < oldest && after < next_seq_ - 1;
  for (const auto& e : ring_)
    if (e.seq > after) b.events.push_back(e);
  return b;
}

void EventHub::push(std::string name, Json params) {
  {
    std::lock_guard lock(mu_);
    ++counts_[name];
    ring_.push_back(NodeEvent{next_seq_++, std::move(name), std::move(params)});
    if (ring_.size() > capacity_) ring_.pop_front();
    assert(ring_.size() <= capacity_);
  }
  changed_.notify_all();
}

void EventHub::on_subscribed() {
  spdlog::info("following the events of unix:{}", path_);
  bool resumed = false;
  {
    std::lock_guard lock(mu_);
    connected_ = true;
    resumed = ever_connected_;
    ever_connected_ = true;
  }
  // Whatever the node raised while we were not subscribed is lost: say so
  // in the stream rather than let a client believe it saw everything.
  if (resumed)
    push(kGapEvent, Json{{"reason", "the gateway re-subscribed to the node's events; events "
                                    "raised while it was not subscribed are lost"}});
}

void EventHub::run() {
  auto retry = kFirstRetry;
  while (!stopping()) {
    const auto started = Clock::now();
    const std::string why = follow_once();
    if (stopping()) break;
    // A connection that lived a while was fine: start the back-off over.
    if (Clock::now() - started > kLastRetry) retry = kFirstRetry;
    spdlog::warn("event stream from unix:{} ended ({}); retrying in {} ms", path_, why,
                 retry.count());
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, retry, [&] { return stop_; });
    retry = std::min(retry * 2, kLastRetry);
  }
}

std::string EventHub::follow_once() {
  std::string error;
  int fd = connect_unix(path_, &error);
  if (fd < 0) return error;
  {
    std::lock_guard lock(mu_);
    if (stop_) {
      ::close(fd);
      return "stopping";
    }
    fd_ = fd;
  }
  std::string why;
  std::string buf;
  bool subscribed = false;
  const auto subscribe_deadline = Clock::now() + std::chrono::milliseconds(kSubscribeReplyMs);
  if (!send_line(fd, R"({"jsonrpc":"2.0","method":"subscribe","id":"gateway-events"})" "\n"))
    why = std::string("cannot send subscribe: ") + std::strerror(errno);
  while (why.empty()) {
    if (auto nl = buf.find('\n'); nl != std::string::npos) {
      auto j = Json::parse(buf.substr(0, nl), nullptr, false);
      buf.erase(0, nl + 1);
      if (j.is_discarded() || !j.is_object()) {
        why = "the node sent a line that is not JSON";
      } else if (j.contains("method") && j["method"].is_string()) {
        push(j["method"].get<std::string>(), j.value("params", Json::object()));
      } else if (j.value("id", Json()) == "gateway-events") {
        if (!j.contains("result")) why = "the node refused subscribe: " + j.dump();
        subscribed = true;
        if (why.empty()) on_subscribed();
      }
      continue;
    }
    if (buf.size() > kMaxLineBytes) {
      why = "a line over 1 MiB";
      break;
    }
    // Before the subscribe answer a silent node is given up on; after it a
    // quiet stream is normal, and stop() ends the read by shutting it down.
    pollfd p{fd, POLLIN, 0};
    int timeout_ms = -1;
    if (!subscribed) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(subscribe_deadline -
                                                                        Clock::now());
      timeout_ms = static_cast<int>(std::max<long long>(0, left.count()));
    }
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      why = "no answer to subscribe in time";
      break;
    }
    char chunk[65536];
    ssize_t n = r < 0 ? -1 : ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = n == 0 ? "the node closed the connection" : std::strerror(errno);
      break;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  std::lock_guard lock(mu_);
  connected_ = false;
  fd_ = -1;
  ::close(fd);
  return why;
}

}  // namespace lc::gateway
