#include "mi_unix_server.h"

#include "libcluster/mi/events.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio.hpp>
#include <deque>

namespace lc::node {
namespace {

using asio::local::stream_protocol;

// A request line longer than this closes the connection: no legitimate MI
// request is anywhere near it, and the bound keeps memory in check.
constexpr std::size_t kMaxLineBytes = 1u << 20;
// Notifications queued for a subscriber that does not read are dropped past
// this many, and the connection is closed.
constexpr std::size_t kMaxQueuedLines = 10000;

struct Session : std::enable_shared_from_this<Session> {
  Session(stream_protocol::socket s, runtime::Runtime& rt, const mi::Registry& reg,
          mi::Context& ctx)
      : sock(std::move(s)), buf(kMaxLineBytes), rt(rt), registry(reg), ctx(ctx) {}

  stream_protocol::socket sock;
  asio::streambuf buf;
  std::deque<std::string> out;
  bool writing = false;
  bool closed = false;
  int listener_id = 0;
  runtime::Runtime& rt;
  const mi::Registry& registry;
  mi::Context& ctx;

  void start() { read(); }

  void read() {
    asio::async_read_until(sock, buf, '\n',
                           [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                             self->on_line(ec, n);
                           });
  }

  void on_line(const asio::error_code& ec, std::size_t n) {
    if (ec) return close();
    std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
    buf.consume(n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) return read();
    handle(line);
  }

  // The next line is read once this one is answered, so replies keep the
  // order of the requests even when a command answers later (reload).
  void handle(const std::string& line) {
    registry.handle_async(ctx, line, [self = shared_from_this()](mi::Reply reply) {
      if (reply.response) self->send(mi::to_text(*reply.response));
      if (reply.stream && self->listener_id == 0) self->subscribe(std::move(*reply.stream));
      if (!self->closed) self->read();
    });
    rt.flush();  // the command may have queued packets and events
  }

  void subscribe(mi::Subscription sub) {
    std::weak_ptr<Session> weak = shared_from_this();
    listener_id = rt.add_event_listener([weak, sub](const core::Event& e) {
      auto self = weak.lock();
      if (!self || !sub.wants(e)) return;
      if (auto n = mi::event_notification(e)) self->send(mi::to_text(*n));
    });
  }

  void send(std::string text) {
    if (closed) return;
    if (out.size() >= kMaxQueuedLines) {
      spdlog::warn("MI client does not read its replies; closing the connection");
      return close();
    }
    out.push_back(std::move(text) + "\n");
    write();
  }

  void write() {
    if (writing || out.empty() || closed) return;
    writing = true;
    asio::async_write(sock, asio::buffer(out.front()),
                      [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                        self->writing = false;
                        if (ec) return self->close();
                        self->out.pop_front();
                        self->write();
                      });
  }

  void close() {
    if (closed) return;
    closed = true;
    if (listener_id) rt.remove_event_listener(listener_id);
    asio::error_code ec;
    sock.close(ec);
  }
};

}  // namespace

struct MiUnixServer::Impl {
  Impl(runtime::Runtime& rt, const mi::Registry& reg, mi::Context& ctx, std::string path)
      : rt(rt), registry(reg), ctx(ctx), path(std::move(path)),
        acceptor(*static_cast<asio::io_context*>(rt.io_context())) {}

  runtime::Runtime& rt;
  const mi::Registry& registry;
  mi::Context& ctx;
  std::string path;
  stream_protocol::acceptor acceptor;
  std::vector<std::weak_ptr<Session>> sessions;

  void accept() {
    acceptor.async_accept([this](const asio::error_code& ec, stream_protocol::socket s) {
      if (ec) return;
      auto session = std::make_shared<Session>(std::move(s), rt, registry, ctx);
      sessions.push_back(session);
      std::erase_if(sessions, [](const auto& w) { return w.expired(); });
      session->start();
      accept();
    });
  }
};

MiUnixServer::MiUnixServer(runtime::Runtime& rt, const mi::Registry& registry, mi::Context& ctx,
                           std::string path)
    : impl_(std::make_unique<Impl>(rt, registry, ctx, std::move(path))) {}

MiUnixServer::~MiUnixServer() = default;

std::optional<std::string> MiUnixServer::start() {
  const std::string& path = impl_->path;
  ::unlink(path.c_str());  // a stale socket of a previous run
  asio::error_code ec;
  // Created with no permission for group and others, so no other user can
  // connect even for the instant before the chmod below.
  mode_t old = ::umask(0177);
  impl_->acceptor.open(stream_protocol(), ec);
  if (!ec) impl_->acceptor.bind(stream_protocol::endpoint(path), ec);
  ::umask(old);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on MI socket " + path + ": " + ec.message();
  ::chmod(path.c_str(), 0600);
  impl_->accept();
  return std::nullopt;
}

void MiUnixServer::stop() {
  asio::error_code ec;
  impl_->acceptor.close(ec);
  for (auto& w : impl_->sessions)
    if (auto s = w.lock()) s->close();
  ::unlink(impl_->path.c_str());
}

}  // namespace lc::node
