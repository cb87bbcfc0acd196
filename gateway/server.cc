#include "server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <regex>

#include "openapi.h"
#include "routes.h"

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
  res.set_content(problem_json(p, instance).dump(), "application/problem+json");
}

std::optional<Problem> parse_body(const Route& route, const httplib::Request& req, Json* body) {
  if (route.body_schema.is_null()) return std::nullopt;
  if (req.body.empty()) return bad_request("this route needs a JSON body");
  try {
    *body = Json::parse(req.body);
  } catch (const Json::parse_error& e) {
    return bad_request(std::string("the body is not JSON: ") + e.what());
  }
  return std::nullopt;
}

}  // namespace

struct Server::Impl {
  ServerSettings settings;
  std::unique_ptr<MiBackend> node;
  std::vector<Route> routes = make_routes();
  Json openapi = openapi_document(routes, settings.version);
  httplib::Server http;

  Impl(ServerSettings s, std::unique_ptr<MiBackend> n)
      : settings(std::move(s)), node(std::move(n)) {}

  void handle(const Route& route, const std::vector<std::string>& names,
              const httplib::Request& req, httplib::Response& res) {
    const auto started = Clock::now();
    try {
      respond(route, names, req, res);
    } catch (const std::exception& e) {
      // A bug, not the client's fault; the process keeps serving.
      spdlog::error("{} {}: {}", req.method, req.path, e.what());
      send_problem(res, Problem{500, "internal error: " + std::string(e.what()), {}, {}, {}},
                   req.path);
    }
    const auto took_us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    spdlog::info("{} {} {} {:.1f} ms", req.method, req.path, res.status, took_us / 1000.0);
  }

  void respond(const Route& route, const std::vector<std::string>& names,
               const httplib::Request& req, httplib::Response& res) {
    if (!authorized(settings.tokens, route.access, req.get_header_value("Authorization")))
      return send_problem(res, Problem{401, "this route needs Authorization: Bearer <token>",
                                       {}, {}, {}},
                          req.path);
    RouteInput in;
    in.openapi = &openapi;
    for (std::size_t i = 0; i < names.size() && i + 1 < req.matches.size(); ++i)
      in.path[names[i]] = req.matches[i + 1].str();
    for (const auto& [k, v] : req.params) in.query.emplace(k, v);
    if (auto p = check_params(route, in)) return send_problem(res, *p, req.path);
    if (auto p = parse_body(route, req, &in.body)) return send_problem(res, *p, req.path);
    Reply reply = run_route(route, in, *node, settings.mi_timeout);
    if (auto* p = std::get_if<Problem>(&reply)) return send_problem(res, *p, req.path);
    res.status = 200;
    res.set_content(std::get<Json>(reply).dump(), "application/json");
  }

  void add(const Route& route) {
    auto [re, names] = path_regex(route.path);
    auto handler = [this, &route, names = names](const httplib::Request& req,
                                                 httplib::Response& res) {
      handle(route, names, req, res);
    };
    switch (route.method) {
      case Method::kGet: http.Get(re, handler); break;
      case Method::kPut: http.Put(re, handler); break;
      case Method::kPost: http.Post(re, handler); break;
      case Method::kDelete: http.Delete(re, handler); break;
    }
  }

  // httplib calls this for every status >= 400: route answers already carry
  // their problem, the rest (no route, body over the limit) get one here.
  httplib::Server::HandlerResponse on_error(const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string detail = res.status == 404   ? "no route " + req.method + " " + req.path
                         : res.status == 413 ? "the body is over the limit of " +
                                                   std::to_string(settings.max_body_bytes) +
                                                   " bytes"
                                             : std::string(reason_phrase(res.status));
    send_problem(res, Problem{res.status, detail, {}, {}, {}}, req.path);
    spdlog::info("{} {} {}", req.method, req.path, res.status);
    return httplib::Server::HandlerResponse::Handled;
  }
};

Server::Server(ServerSettings settings, std::unique_ptr<MiBackend> node)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(node))) {
  for (const auto& r : impl_->routes) impl_->add(r);
  impl_->http.set_payload_max_length(impl_->settings.max_body_bytes);
  httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req,
                                                          httplib::Response& res) {
    return impl_->on_error(req, res);
  };
  impl_->http.set_error_handler(std::move(on_error));
}

Server::~Server() { stop(); }

std::optional<std::string> Server::bind() {
  const auto& s = impl_->settings;
  if (!impl_->http.bind_to_port(s.host, s.port))
    return "cannot listen on " + s.host + ":" + std::to_string(s.port) +
           " (address in use, or not an address of this host)";
  return std::nullopt;
}

void Server::serve() { impl_->http.listen_after_bind(); }

void Server::stop() { impl_->http.stop(); }

}  // namespace lc::gateway
