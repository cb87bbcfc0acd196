#include "client.h"

#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace lc::nodectl {
namespace {

class UnixConnection : public Connection {
 public:
  UnixConnection(int fd, std::string path, std::chrono::milliseconds timeout)
      : fd_(fd), path_(std::move(path)), timeout_(timeout) {}
  ~UnixConnection() override { ::close(fd_); }

  std::optional<Json> call(const Json& request, std::string* error) override {
    std::string line = request.dump() + "\n";
    for (std::size_t off = 0; off < line.size();) {
      ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        *error = "cannot write to " + path_ + ": " + std::strerror(errno);
        return std::nullopt;
      }
      off += static_cast<std::size_t>(n);
    }
    // Notifications may be interleaved after a subscribe: skip to the reply.
    for (int i = 0; i < 100000; ++i) {
      auto msg = next(timeout_, error);
      if (!msg) {
        if (error->empty()) *error = "no reply from " + path_ + " within the timeout";
        return std::nullopt;
      }
      if (msg->contains("id")) return msg;
    }
    *error = "no reply from " + path_;
    return std::nullopt;
  }

  std::optional<Json> next(std::chrono::milliseconds wait, std::string* error) override {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        auto j = Json::parse(line, nullptr, false);
        if (j.is_discarded()) {
          *error = "the node sent something that is not JSON";
          return std::nullopt;
        }
        return j;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r == 0) return std::nullopt;
      if (r < 0) {
        if (errno == EINTR) continue;
        *error = std::strerror(errno);
        return std::nullopt;
      }
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        *error = "the node closed the MI connection";
        return std::nullopt;
      }
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string path_;
  std::chrono::milliseconds timeout_;
  std::string buf_;
};

class HttpConnection : public Connection {
 public:
  HttpConnection(std::string base, std::string path, std::chrono::milliseconds timeout)
      : client_(base), base_(std::move(base)), path_(std::move(path)) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count() % 1000000;
    client_.set_connection_timeout(secs, usecs);
    client_.set_read_timeout(secs, usecs);
  }

  std::optional<Json> call(const Json& request, std::string* error) override {
    auto res = client_.Post(path_.c_str(), request.dump(), "application/json");
    if (!res) {
      *error = "cannot reach " + base_ + path_ + " (" + httplib::to_string(res.error()) +
               " error): is clusterd running, with mi_http set to this address? Check its "
               "mi_http setting, or use its unix socket (-s PATH)";
      return std::nullopt;
    }
    if (res->status != 200) {
      *error = base_ + path_ + " answered HTTP " + std::to_string(res->status);
      return std::nullopt;
    }
    auto j = Json::parse(res->body, nullptr, false);
    if (j.is_discarded()) {
      *error = base_ + path_ + " answered something that is not JSON";
      return std::nullopt;
    }
    return j;
  }

  std::optional<Json> next(std::chrono::milliseconds, std::string* error) override {
    *error = "event streams need the unix socket (-s), not HTTP";
    return std::nullopt;
  }

 private:
  httplib::Client client_;
  std::string base_, path_;
};

}  // namespace

Json make_request(const std::string& method, const Json& params) {
  static thread_local std::mt19937 rng(std::random_device{}());
  Json r;
  r["jsonrpc"] = "2.0";
  r["method"] = method;
  if (!params.is_null()) r["params"] = params;
  r["id"] = std::to_string(rng());
  return r;
}

std::unique_ptr<Connection> Connection::open(const Target& t, std::string* error) {
  if (!t.url.empty()) {
    // http://HOST:PORT/PATH → base and path.
    auto scheme = t.url.find("://");
    auto slash = t.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (scheme == std::string::npos || t.url.substr(0, scheme) != "http") {
      *error = "-u wants http://HOST:PORT/mi, got '" + t.url + "'";
      return nullptr;
    }
    std::string base = slash == std::string::npos ? t.url : t.url.substr(0, slash);
    std::string path = slash == std::string::npos ? "/mi" : t.url.substr(slash);
    return std::make_unique<HttpConnection>(base, path, t.timeout);
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (t.socket.size() >= sizeof addr.sun_path) {
    ::close(fd);
    *error = "MI socket path too long: " + t.socket;
    return nullptr;
  }
  std::memcpy(addr.sun_path, t.socket.c_str(), t.socket.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot connect to MI socket " + t.socket + ": " + std::strerror(errno) +
             " (is clusterd running? check its mi_socket setting, or pass -s PATH)";
    ::close(fd);
    return nullptr;
  }
  return std::make_unique<UnixConnection>(fd, t.socket, t.timeout);
}

}  // namespace lc::nodectl
