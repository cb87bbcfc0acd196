// The gateway's routes, declared once: the HTTP server registers them and
// /openapi.json is generated from them, so the two cannot disagree. A route
// is either answered by the gateway itself (`answer`) or by one MI command:
// `mi_params` builds the command's parameters from the request and `shape`
// turns its result into the response body.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "mi_backend.h"
#include "problem.h"

namespace lc::gateway {

enum class Method { kGet, kPut, kPost, kDelete };
const char* method_name(Method m);  // "GET"...

// Who may call a route when tokens are configured: kPublic always, kRead
// with the read or the write token, kWrite with the write token only.
enum class Access { kPublic, kRead, kWrite };

struct Param {
  enum class In { kPath, kQuery };
  enum class Type { kPositiveInteger, kInteger, kString };
  std::string name;
  In in = In::kPath;
  Type type = Type::kString;
  bool required = true;
  std::string description;
};

// A request as a route sees it: its parameters, already checked against the
// route's declarations, and its body, already parsed when the route has one.
struct RouteInput {
  std::map<std::string, std::string> path;
  std::map<std::string, std::string> query;
  Json body;
  const Json* openapi = nullptr;  // the generated document, for /openapi.json

  long long integer(const std::string& name) const;  // a checked integer parameter
};

using Reply = std::variant<Json, Problem>;

struct Route {
  Method method = Method::kGet;
  std::string path;  // OpenAPI template, e.g. /v1/clusters/{cid}/nodes
  std::string summary;
  Access access = Access::kRead;
  std::string mi_command;  // empty: answered by the gateway
  std::vector<Param> params;
  Json body_schema;  // JSON Schema of the request body; null: no body
  std::function<Reply(const RouteInput&)> answer;  // gateway-answered routes
  std::function<Reply(const RouteInput&)> mi_params;
  std::function<Reply(const RouteInput&, const Json& result)> shape;
};

std::vector<Route> make_routes();

// Checks the parameters against the route's declarations; a 400 problem
// names the first bad one.
std::optional<Problem> check_params(const Route& route, const RouteInput& in);

// Runs a route whose parameters passed check_params.
Reply run_route(const Route& route, const RouteInput& in, MiBackend& node,
                std::chrono::milliseconds mi_timeout);

// The MI result with every object key lower-cased ("Clusters" → "clusters"):
// the REST bodies are the MI results under this one rule.
Json lower_keys(const Json& j);

}  // namespace lc::gateway
