#include "mi_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace lc::itest {
namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

std::unique_ptr<MiClient> MiClient::connect(const std::string& socket_path, std::string* error) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof addr.sun_path) {
    *error = "socket path too long: " + socket_path;
    return nullptr;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot connect to " + socket_path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<MiClient>(new MiClient(fd));
}

MiClient::~MiClient() { ::close(fd_); }

bool MiClient::fail(std::string e) {
  error_ = std::move(e);
  return false;
}

bool MiClient::send_line(const std::string& line, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < line.size()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, ms_left(deadline)) <= 0) return fail("timed out writing a request");
    const ssize_t n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return fail(std::string("write: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<MiClient::Json> MiClient::read_response(Clock::time_point deadline) {
  // Each pass reads at least one byte or gives up: bounded by the deadline.
  for (auto nl = buf_.find('\n'); nl == std::string::npos; nl = buf_.find('\n')) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms_left(deadline)) <= 0) {
      fail("timed out waiting for a reply");
      return std::nullopt;
    }
    char chunk[65536];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n <= 0) {
      fail("the node closed the MI connection");
      return std::nullopt;
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
  }
  const auto nl = buf_.find('\n');
  auto j = Json::parse(buf_.substr(0, nl), nullptr, false);
  buf_.erase(0, nl + 1);
  if (j.is_discarded()) {
    fail("a reply is not JSON");
    return std::nullopt;
  }
  return j;
}

std::optional<MiClient::Json> MiClient::call(const std::string& method, const Json& params,
                                             std::chrono::milliseconds limit) {
  auto all = call_all({{method, params}}, 1, limit);
  if (!all) return std::nullopt;
  return all->front();
}

std::optional<std::vector<MiClient::Json>> MiClient::call_all(const std::vector<Call>& calls,
                                                              std::size_t window,
                                                              std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  const uint64_t first_id = next_id_;
  std::vector<Json> out;
  out.reserve(calls.size());
  std::size_t sent = 0;
  while (out.size() < calls.size()) {
    // Top the window up in one write, then take one reply.
    std::string lines;
    for (; sent < calls.size() && sent - out.size() < std::max<std::size_t>(window, 1); ++sent) {
      Json req = {{"jsonrpc", "2.0"}, {"method", calls[sent].first}, {"id", next_id_++}};
      if (!calls[sent].second.is_null()) req["params"] = calls[sent].second;
      lines += req.dump() + "\n";
    }
    if (!lines.empty() && !send_line(lines, deadline)) return std::nullopt;
    auto res = read_response(deadline);
    if (!res) return std::nullopt;
    if (res->value("id", uint64_t{0}) != first_id + out.size()) {
      fail("reply out of order: " + res->dump());
      return std::nullopt;
    }
    out.push_back(std::move(*res));
  }
  return out;
}

}  // namespace lc::itest
