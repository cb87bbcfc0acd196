#include "server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <mutex>
#include <regex>
#include <thread>
#include <unordered_map>

#include "event_hub.h"
#include "metrics.h"
#include "openapi.h"
#include "routes.h"
#include "sse.h"
#include "status_page.h"

namespace lc::gateway {
namespace {

using Clock = std::chrono::steady_clock;

// /v1/clusters/{cid}/nodes → ^/v1/clusters/([^/]+)/nodes$ and ["cid"].
std::pair<std::string, std::vector<std::string>> path_regex(const std::string& tmpl) {
  std::string re;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      auto close = tmpl.find('}', i);
      names.push_back(tmpl.substr(i + 1, close - i - 1));
      re += "([^/]+)";
      i = close;
    } else if (std::string_view(".+*?()[]^$|\\").find(tmpl[i]) != std::string_view::npos) {
      re += '\\';
      re += tmpl[i];
    } else {
      re += tmpl[i];
    }
  }
  return {re, names};
}

void send_problem(httplib::Response& res, const Problem& p, const std::string& instance) {
  res.status = p.status;
  if (p.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  if (p.retry_after_seconds) res.set_header("Retry-After", std::to_string(*p.retry_after_seconds));
  res.set_content(problem_json(p, instance).dump(), "application/problem+json");
}

constexpr int kMaxBodyDepth = 64;

// A request with ?wait=SECONDS > 0 (G4), valid or not.
bool waits_for_reply(const RouteInput& in) {
  auto it = in.query.find("wait");
  return it != in.query.end() && !it->second.empty() && it->second != "0";
}

double ms_since(Clock::time_point started) {
  return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

// A write that declares no body (no Content-Length, not chunked), as `curl
// -X POST` sends: httplib would read a body until its read timeout (5 s)
// and then answer 400. It has none; the server routes it as an empty body
// (G9). DELETE is not read that way.
bool write_without_body(const httplib::Request& req) {
  return (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
         !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding");
}

std::optional<Problem> parse_body(const Route& route, const httplib::Request& req, Json* body) {
  if (route.body_schema.is_null()) return std::nullopt;
  if (req.body.empty()) {
    if (!route.body_required) return std::nullopt;
    return bad_request("this route needs a JSON body");
  }
  // Parsing is iterative, but serialising (the MI request) and other walks
  // recurse: a body nested thousands deep overflowed a worker's stack (the
  // sanitizer build's frames are larger). No route needs more than a few.
  bool too_deep = false;
  const auto limit_depth = [&too_deep](int depth, Json::parse_event_t, Json&) {
    if (depth >= kMaxBodyDepth) too_deep = true;  // depth counts from 0
    return !too_deep;
  };
  try {
    *body = Json::parse(req.body, limit_depth);
  } catch (const Json::parse_error& e) {
    return bad_request(std::string("the body is not JSON: ") + e.what());
  }
  if (too_deep)
    return bad_request("the body is nested deeper than " + std::to_string(kMaxBodyDepth) + " levels");
  return std::nullopt;
}

}  // namespace

struct CompiledRoute {
  const Route* route;
  std::regex re;
  std::vector<std::string> names;
};

struct Server::Impl {
  ServerSettings settings;
  std::unique_ptr<MiBackend> node;
  std::vector<Route> routes = make_routes();
  Json openapi = openapi_document(routes, settings.version);
  std::vector<CompiledRoute> compiled;
  std::unique_ptr<EventHub> events;
  Metrics metrics;
  MeteredBackend metered{*node, metrics};  // every route's MI calls go through it
  Services services;
  Slots streams{settings.max_event_streams};
  Slots waits{settings.max_waits};
  std::unique_ptr<httplib::Server> http;
  // When the request each worker thread serves started: httplib runs a
  // request on one thread from the pre-routing handler to the error handler
  // and keeps no per-request data of ours. Entries are taken when the
  // request is logged; at most one per thread.
  std::mutex started_mu;
  std::unordered_map<std::thread::id, Clock::time_point> started_at;

  Impl(ServerSettings s, std::unique_ptr<MiBackend> n)
      : settings(std::move(s)),
        node(std::move(n)),
        events(settings.events_socket.empty()
                   ? nullptr
                   : std::make_unique<EventHub>(settings.events_socket, settings.event_buffer)),
        services{metered, settings.mi_timeout, openapi, events.get(), metrics, waits} {}

  void note_start() {
    std::lock_guard lock(started_mu);
    started_at[std::this_thread::get_id()] = Clock::now();
  }

  // When this thread's request started (now if the pre-routing handler
  // never saw it: httplib refused its request line), forgotten once read.
  Clock::time_point take_start() {
    std::lock_guard lock(started_mu);
    auto it = started_at.find(std::this_thread::get_id());
    if (it == started_at.end()) return Clock::now();
    const auto started = it->second;
    started_at.erase(it);
    return started;
  }

  void handle(const CompiledRoute& cr, const httplib::Request& req, const httplib::Match& matches,
              httplib::Response& res) {
    const auto started = take_start();  // the body's reading included
    try {
      respond(cr, req, matches, res);
    } catch (const std::exception& e) {
      // A bug, not the client's fault; the process keeps serving.
      spdlog::error("{} {}: {}", req.method, req.path, e.what());
      send_problem(res, Problem{500, "internal error: " + std::string(e.what()), {}, {}, {}},
                   req.path);
    }
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    metrics.record_request(cr.route->path, req.method, res.status, took);
    spdlog::info("{} {} {} {:.1f} ms", req.method, req.path, res.status, took.count() / 1000.0);
  }

  // Before httplib reads a body: notes the start, and answers a write that
  // declares no body itself (write_without_body) instead of letting httplib
  // wait for one.
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req,
                                             httplib::Response& res) {
    note_start();
    if (!write_without_body(req)) return httplib::Server::HandlerResponse::Unhandled;
    httplib::Match matches;
    for (const auto& cr : compiled)
      if (req.method == method_name(cr.route->method) && std::regex_match(req.path, matches, cr.re)) {
        handle(cr, req, matches, res);
        return httplib::Server::HandlerResponse::Handled;
      }
    res.status = 404;  // on_error makes it a 404, or a 405 naming the methods
    return httplib::Server::HandlerResponse::Handled;
  }

  void respond(const CompiledRoute& cr, const httplib::Request& req, const httplib::Match& matches,
               httplib::Response& res) {
    const Route& route = *cr.route;
    // httplib (0.11) leaves a GET's body unread and would parse it as the
    // next request, then close on it: the client could lose this answer to
    // the reset. Say so, shortly, and close the connection.
    if (req.method == "GET" && (req.get_header_value<uint64_t>("Content-Length") > 0 ||
                                req.has_header("Transfer-Encoding"))) {
      res.set_header("Connection", "close");
      return send_problem(res, bad_request("a GET request takes no body"), req.path);
    }
    if (!authorized(settings.tokens, route.access, req.get_header_value("Authorization")))
      return send_problem(res, Problem{401, "this route needs Authorization: Bearer <token>",
                                       {}, {}, {}},
                          req.path);
    RouteInput in;
    for (std::size_t i = 0; i < cr.names.size() && i + 1 < matches.size(); ++i)
      in.path[cr.names[i]] = matches[i + 1].str();
    for (const auto& [k, v] : req.params) in.query.emplace(k, v);
    if (auto p = check_params(route, in)) return send_problem(res, *p, req.path);
    if (route.event_stream) return open_stream(req, res);
    if (auto p = parse_body(route, req, &in.body)) return send_problem(res, *p, req.path);
    Reply reply = run_route(route, in, services);
    // httplib gives a keep-alive connection its worker until the client
    // closes it: ask a client that waited (or was refused a wait) to close,
    // so the workers G10 reserves for waits come back with the answer.
    if (waits_for_reply(in)) res.set_header("Connection", "close");
    if (auto* p = std::get_if<Problem>(&reply)) return send_problem(res, *p, req.path);
    res.status = 200;
    if (auto* t = std::get_if<Text>(&reply)) {
      if (t->content_type.starts_with("text/html"))
        res.set_header("Content-Security-Policy", kStatusPageCsp);
      return res.set_content(t->body, t->content_type);
    }
    res.set_content(std::get<Json>(reply).dump(), "application/json");
  }

  void open_stream(const httplib::Request& req, httplib::Response& res) {
    if (!events)
      return send_problem(res, no_event_source(), req.path);
    auto request = stream_request(req, *events);
    if (auto* p = std::get_if<Problem>(&request)) return send_problem(res, *p, req.path);
    if (!streams.take())
      return send_problem(res, Problem{503, "already " + std::to_string(streams.max()) +
                                                " event streams open (--max-event-streams)",
                                       {}, {}, {}},
                          req.path);
    res.status = 200;
    const auto opened = Clock::now();
    auto on_end = [this, opened, what = req.method + " " + req.path] {
      streams.give_back();
      spdlog::info("{} stream ended after {:.1f} s", what, ms_since(opened) / 1000.0);
    };
    stream_events(*events, std::get<StreamRequest>(std::move(request)), settings.heartbeat,
                  std::move(on_end), res);
  }

  void add(const Route& route) {
    auto [re, names] = path_regex(route.path);
    compiled.push_back(CompiledRoute{&route, std::regex(re), names});
  }

  void register_all() {
    for (const auto& cr : compiled) {
      auto handler = [this, &cr](const httplib::Request& req, httplib::Response& res) {
        handle(cr, req, req.matches, res);
      };
      const std::string re = path_regex(cr.route->path).first;
      switch (cr.route->method) {
        case Method::kGet: http->Get(re, handler); break;
        case Method::kPut: http->Put(re, handler); break;
        case Method::kPost: http->Post(re, handler); break;
        case Method::kDelete: http->Delete(re, handler); break;
      }
    }
  }

  // The methods the routes allow on `path` ("GET, PUT"); empty: no route.
  std::string allowed_methods(const std::string& path) const {
    std::string allow;
    for (const auto& cr : compiled)
      if (std::regex_match(path, cr.re))
        allow += std::string(allow.empty() ? "" : ", ") + method_name(cr.route->method);
    return allow;
  }

  // httplib calls this for every status >= 400: route answers already carry
  // their problem, the rest (no route, wrong method, body over the limit)
  // get one here.
  httplib::Server::HandlerResponse on_error(const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const auto started = take_start();
    std::string detail;
    if (res.status == 404) {
      const std::string allow = allowed_methods(req.path);
      if (!allow.empty()) {
        res.status = 405;
        res.set_header("Allow", allow);
        detail = req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")";
      } else {
        detail = "no route " + req.method + " " + req.path;
      }
    } else if (res.status == 413) {
      detail = "the body is over the limit of " + std::to_string(settings.max_body_bytes) + " bytes";
    } else {
      detail = reason_phrase(res.status);
    }
    send_problem(res, Problem{res.status, detail, {}, {}, {}}, req.path);
    // The raw path would let clients create series at will.
    metrics.count_unmatched(req.method, res.status);
    spdlog::info("{} {} {} {:.1f} ms", req.method, req.path, res.status, ms_since(started));
    return httplib::Server::HandlerResponse::Handled;
  }
};

Server::Server(ServerSettings settings, std::unique_ptr<MiBackend> node)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(node))) {
  for (const auto& r : impl_->routes) impl_->add(r);
}

Server::~Server() { stop(); }

std::optional<std::string> Server::bind() {
  auto& s = impl_->settings;
  if (!s.tls_cert_file.empty() || !s.tls_key_file.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(s.tls_cert_file.c_str(),
                                                    s.tls_key_file.c_str());
    if (!tls->is_valid())
      return "cannot use --tls-cert " + s.tls_cert_file + " and --tls-key " + s.tls_key_file +
             " (unreadable, not PEM, or the key does not match the certificate)";
    impl_->http = std::move(tls);
  } else {
    impl_->http = std::make_unique<httplib::Server>();
  }
  auto& http = *impl_->http;
  // Event streams and ?wait requests hold their thread for as long as they
  // are open: each has threads of its own, so the other routes and the
  // probes keep worker_threads (G10).
  const std::size_t threads = s.worker_threads + s.max_waits + s.max_event_streams;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(s.max_body_bytes);
  // Headers and body go out in two writes: with Nagle on, a keep-alive
  // client waits ~40 ms for its delayed ACK on every request after the first.
  http.set_tcp_nodelay(true);
  httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req,
                                                          httplib::Response& res) {
    return impl_->on_error(req, res);
  };
  http.set_error_handler(std::move(on_error));
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return impl_->pre_route(req, res);
  });
  impl_->register_all();
  if (!http.bind_to_port(s.host, s.port))
    return "cannot listen on " + s.host + ":" + std::to_string(s.port) +
           " (address in use, or not an address of this host)";
  return std::nullopt;
}

void Server::serve() {
  if (impl_->events) impl_->events->start();
  impl_->http->listen_after_bind();
}

void Server::stop() {
  // The hub first: it ends the event streams, which hold server threads.
  if (impl_->events) impl_->events->stop();
  if (impl_->http) impl_->http->stop();
}

}  // namespace lc::gateway
