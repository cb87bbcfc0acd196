#include "mi_backend.h"

#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>

namespace lc::gateway {
namespace {

using Clock = std::chrono::steady_clock;

// A reply larger than this is refused rather than buffered without end
// (clusterer_list of a big cluster is a few hundred kB).
constexpr std::size_t kMaxReplyBytes = 64 * 1024 * 1024;

Json make_request(const std::string& method, const Json& params, uint64_t id) {
  Json r;
  r["jsonrpc"] = "2.0";
  r["method"] = method;
  if (!params.is_null()) r["params"] = params;
  r["id"] = id;
  return r;
}

MiOutcome failure(MiOutcome::Kind kind, std::string message) {
  MiOutcome o;
  o.kind = kind;
  o.message = std::move(message);
  return o;
}

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Closes the socket whatever path the call leaves by.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// One connection per call: calls from the HTTP server's threads never share
// a stream, and a node restart costs nothing more than the next connect.
class UnixBackend : public MiBackend {
 public:
  explicit UnixBackend(std::string path) : path_(std::move(path)), address_("unix:" + path_) {}

  MiOutcome call(const std::string& method, const Json& params,
                 std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    Fd sock;
    if (auto err = connect_socket(sock)) return failure(MiOutcome::Kind::kUnreachable, *err);
    const uint64_t id = next_id_.fetch_add(1);
    if (auto err = send_all(sock.fd, make_request(method, params, id).dump() + "\n", deadline))
      return *err;
    return read_reply(sock.fd, id, deadline);
  }

  const std::string& address() const override { return address_; }

 private:
  std::optional<std::string> connect_socket(Fd& sock) const {
    std::string error;
    sock.fd = connect_unix(path_, &error);
    if (sock.fd < 0) return error;
    return std::nullopt;
  }

  std::optional<MiOutcome> send_all(int fd, const std::string& line,
                                    Clock::time_point deadline) const {
    for (std::size_t off = 0; off < line.size();) {
      pollfd p{fd, POLLOUT, 0};
      int r = ::poll(&p, 1, millis_left(deadline));
      if (r == 0) return failure(MiOutcome::Kind::kTimeout, "timed out writing to " + address_);
      if (r < 0 && errno == EINTR) continue;
      ssize_t n = r < 0 ? -1 : ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        return failure(MiOutcome::Kind::kUnreachable,
                       "cannot write to " + address_ + ": " + std::strerror(errno));
      off += static_cast<std::size_t>(n);
    }
    return std::nullopt;
  }

  // Reads lines until the one carrying our id; other lines (notifications)
  // cannot arrive on a fresh connection but are skipped all the same.
  MiOutcome read_reply(int fd, uint64_t id, Clock::time_point deadline) const {
    std::string buf;
    for (;;) {
      if (auto nl = buf.find('\n'); nl != std::string::npos) {
        auto j = Json::parse(buf.substr(0, nl), nullptr, false);
        buf.erase(0, nl + 1);
        if (j.is_discarded() || !j.is_object())
          return failure(MiOutcome::Kind::kBadReply, address_ + " sent a line that is not JSON");
        if (j.contains("id") && j["id"] == id) return outcome_of_response(j, address_);
        continue;
      }
      if (buf.size() > kMaxReplyBytes)
        return failure(MiOutcome::Kind::kBadReply, address_ + " sent a reply over 64 MiB");
      if (auto err = read_some(fd, buf, deadline)) return *err;
    }
  }

  std::optional<MiOutcome> read_some(int fd, std::string& buf, Clock::time_point deadline) const {
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, millis_left(deadline));
      if (r == 0)
        return failure(MiOutcome::Kind::kTimeout, "no reply from " + address_ + " in time");
      if (r < 0 && errno == EINTR) continue;
      char chunk[65536];
      ssize_t n = r < 0 ? -1 : ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0)
        return failure(MiOutcome::Kind::kUnreachable, address_ + " closed the MI connection");
      buf.append(chunk, static_cast<std::size_t>(n));
      return std::nullopt;
    }
  }

  std::string path_, address_;
  std::atomic<uint64_t> next_id_{1};
};

// POST PATH with the request as the body (mi_http). A client per call, for
// the same reason as above: httplib::Client is not meant to be shared by
// threads.
class HttpBackend : public MiBackend {
 public:
  HttpBackend(std::string base, std::string path)
      : base_(std::move(base)), path_(std::move(path)), address_(base_ + path_) {}

  MiOutcome call(const std::string& method, const Json& params,
                 std::chrono::milliseconds timeout) override {
    httplib::Client client(base_);
    const auto secs = timeout.count() / 1000;
    const auto usecs = (timeout.count() % 1000) * 1000;
    client.set_connection_timeout(secs, usecs);
    client.set_read_timeout(secs, usecs);
    client.set_write_timeout(secs, usecs);
    const auto started = Clock::now();
    const uint64_t id = next_id_.fetch_add(1);
    auto res = client.Post(path_, make_request(method, params, id).dump(), "application/json");
    if (!res) return transport_failure(res.error(), Clock::now() - started, timeout);
    if (res->status != 200)
      return failure(MiOutcome::Kind::kBadReply,
                     address_ + " answered HTTP " + std::to_string(res->status));
    auto j = Json::parse(res->body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return failure(MiOutcome::Kind::kBadReply, address_ + " answered something that is not JSON");
    return outcome_of_response(j, address_);
  }

  const std::string& address() const override { return address_; }

 private:
  // httplib 0.11 reports a read timeout as a plain read error: a read error
  // that came once the whole timeout had passed is taken for a timeout.
  MiOutcome transport_failure(httplib::Error e, Clock::duration took,
                              std::chrono::milliseconds timeout) const {
    const bool timed_out = e == httplib::Error::ConnectionTimeout ||
                           (e == httplib::Error::Read && took >= timeout * 9 / 10);
    if (timed_out)
      return failure(MiOutcome::Kind::kTimeout, "no reply from " + address_ + " in time");
    return failure(MiOutcome::Kind::kUnreachable,
                   "cannot reach " + address_ + ": " + httplib::to_string(e));
  }

  std::string base_, path_, address_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace

int connect_unix(const std::string& path, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    *error = "MI socket path too long: " + path;
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot create a unix socket: ") + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot connect to unix:" + path + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

MiOutcome outcome_of_response(const Json& response, const std::string& where) {
  if (response.contains("result")) {
    MiOutcome o;
    o.kind = MiOutcome::Kind::kResult;
    o.result = response["result"];
    return o;
  }
  const auto err = response.value("error", Json());
  if (!err.is_object() || !err.contains("code") || !err["code"].is_number_integer())
    return failure(MiOutcome::Kind::kBadReply, where + " sent neither a result nor an error");
  MiOutcome o;
  o.kind = MiOutcome::Kind::kMiError;
  o.mi_code = err["code"].get<int>();
  o.message = err.value("message", std::string());
  if (err.contains("data") && err["data"].is_string()) o.data = err["data"].get<std::string>();
  return o;
}

std::unique_ptr<MiBackend> make_backend(const std::string& node, std::string* error) {
  if (node.rfind("unix:", 0) == 0 && node.size() > 5)
    return std::make_unique<UnixBackend>(node.substr(5));
  if (node.rfind("http://", 0) == 0) {
    auto slash = node.find('/', 7);
    if (slash == 7) {
      *error = "--node " + node + ": no host after http://";
      return nullptr;
    }
    std::string base = slash == std::string::npos ? node : node.substr(0, slash);
    std::string path = slash == std::string::npos ? "/mi" : node.substr(slash);
    return std::make_unique<HttpBackend>(base, path);
  }
  *error = "--node wants unix:/path/to/mi.sock or http://IP:PORT/mi, got '" + node + "'";
  return nullptr;
}

std::optional<Json> CallSequence::ask(const std::string& method, const Json& params) {
  if (!answered_) return std::nullopt;
  MiOutcome o = node_.call(method, params, timeout_);
  if (o.kind == MiOutcome::Kind::kResult) return std::move(o.result);
  if (o.kind != MiOutcome::Kind::kMiError) {
    answered_ = false;
    silence_ = std::move(o);
  }
  return std::nullopt;
}

}  // namespace lc::gateway
