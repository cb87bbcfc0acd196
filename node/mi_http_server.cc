#include "mi_http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

namespace lc::node {
namespace {

// Longer than any command takes (a reload waits for the database, whose
// connect timeout is seconds): past it the client gets 504.
constexpr std::chrono::seconds kMaxReplyWait{60};

}  // namespace

struct MiHttpServer::Impl {
  runtime::Runtime& rt;
  const mi::Registry& registry;
  mi::Context& ctx;
  httplib::Server server;
  std::thread thread;

  void serve_mi(const httplib::Request& req, httplib::Response& res) {
    if (req.body.empty()) {
      res.status = 400;
      return;
    }
    // Streaming (subscribe) needs a connection that stays open: over HTTP the
    // call is answered but no events follow (use the unix socket or the
    // gateway's SSE stream for events).
    auto answer = std::make_shared<std::promise<mi::Reply>>();
    auto replied = answer->get_future();
    rt.post([this, body = req.body, answer] {
      registry.handle_async(ctx, body, [answer](mi::Reply r) { answer->set_value(std::move(r)); });
      rt.flush();  // the command may have queued packets and events
    });
    // A loop that stops drops the job, and with it the promise.
    if (replied.wait_for(kMaxReplyWait) != std::future_status::ready) {
      res.status = 504;
      return;
    }
    mi::Reply reply;
    try {
      reply = replied.get();
    } catch (const std::future_error&) {
      res.status = 503;  // the node is stopping
      return;
    }
    if (!reply.response) {
      res.status = 202;
      return;
    }
    res.status = 200;
    res.set_content(mi::to_text(*reply.response), "application/json");
  }
};

MiHttpServer::MiHttpServer(runtime::Runtime& rt, const mi::Registry& registry, mi::Context& ctx)
    : impl_(new Impl{rt, registry, ctx, {}, {}}) {}

MiHttpServer::~MiHttpServer() { stop(); }

std::optional<std::string> MiHttpServer::start(const std::string& host, uint16_t port) {
  auto& s = impl_->server;
  // Without it a keep-alive client's second request waits ~40 ms for its
  // delayed ACK of our reply (Nagle): 37 requests/s instead of thousands.
  s.set_tcp_nodelay(true);
  s.Post("/mi", [this](const httplib::Request& req, httplib::Response& res) {
    impl_->serve_mi(req, res);
  });
  auto not_allowed = [](const httplib::Request&, httplib::Response& res) { res.status = 405; };
  s.Get("/mi", not_allowed);
  s.Put("/mi", not_allowed);
  s.Delete("/mi", not_allowed);
  s.Patch("/mi", not_allowed);
  const std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                            ":" + std::to_string(port);
  if (!s.bind_to_port(host, port)) return "cannot listen for mi_http on " + where;
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  spdlog::info("MI over HTTP on http://{}/mi", where);
  return std::nullopt;
}

void MiHttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace lc::node
