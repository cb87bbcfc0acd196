// The gateway's routes, declared once: the HTTP server registers them and
// /openapi.json is generated from them, so the two cannot disagree. A route
// is either answered by the gateway itself (`answer`) or by one MI command:
// `mi_params` builds the command's parameters from the request and `shape`
// turns its result into the response body.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
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
  Param() = default;
  // The declarations list these five; the range is set on the few that have one.
  Param(std::string n, In i, Type t, bool req, std::string desc)
      : name(std::move(n)), in(i), type(t), required(req), description(std::move(desc)) {}
  std::string name;
  In in = In::kPath;
  Type type = Type::kString;
  bool required = true;
  std::string description;
  // Range of an integer parameter, for /openapi.json (the route checks it).
  std::optional<long long> minimum, maximum;
};

// A request as a route sees it: its parameters, already checked against the
// route's declarations, and its body, already parsed when the route has one.
struct RouteInput {
  std::map<std::string, std::string> path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names; only the ones routes read
  Json body;

  long long integer(const std::string& name) const;  // a checked integer parameter
  bool has(const std::string& name) const { return path.count(name) || query.count(name); }
};

// A body that is not JSON (the Prometheus text, the status page).
struct Text {
  std::string content_type;
  std::string body;
};

using Reply = std::variant<Json, Problem, Text>;

class EventHub;
class Metrics;

// Requests that hold a server thread for long (?wait replies, event
// streams): at most `max` of a kind at once, so the probes and the other
// routes keep threads of their own (the server's pool has room for them,
// G10).
class Slots {
 public:
  explicit Slots(std::size_t max) : max_(max) {}
  std::size_t max() const { return max_; }
  // Takes a slot; false when `max` are already taken.
  bool take() {
    if (open_.fetch_add(1) < max_) return true;
    open_.fetch_sub(1);
    return false;
  }
  void give_back() { open_.fetch_sub(1); }

 private:
  std::size_t max_;
  std::atomic<std::size_t> open_{0};
};

// What the gateway itself holds, for the routes it answers on its own.
struct Services {
  MiBackend& node;
  std::chrono::milliseconds mi_timeout;
  const Json& openapi;  // the generated document, for /openapi.json
  EventHub* events;     // null: no event source (gateway/README.md, "Events")
  Metrics& metrics;     // the gateway's own figures, for /metrics
  Slots& waits;         // for the ?wait routes
};

struct Route {
  Method method = Method::kGet;
  std::string path;  // OpenAPI template, e.g. /v1/clusters/{cid}/nodes
  std::string summary;
  Access access = Access::kRead;
  std::string mi_command;  // empty: answered by the gateway
  std::string calls;       // the MI commands a gateway-answered route calls (for the docs)
  std::vector<Param> params;
  Json body_schema;      // JSON Schema of the request body; null: no body
  bool body_required = true;  // with a body_schema: false lets the body be left out (null)
  Json response_schema;  // JSON Schema of the 200 body; null: any JSON
  std::string response_type = "application/json";
  bool event_stream = false;  // answered by the server as Server-Sent Events
  std::function<Reply(const RouteInput&, Services&)> answer;  // gateway-answered routes
  std::function<Reply(const RouteInput&)> mi_params;
  std::function<Reply(const RouteInput&, const Json& result)> shape;
  // Route-specific meaning of an MI error (e.g. kv "Value not found" → 404);
  // nullopt: the general mapping of problem_of().
  std::function<std::optional<Problem>(const RouteInput&, const MiOutcome&)> mi_error;
};

std::vector<Route> make_routes();

// Path parameters shared by the route files.
Param cluster_id_param();
Param node_id_param();

// Checks the parameters against the route's declarations; a 400 problem
// names the first bad one.
std::optional<Problem> check_params(const Route& route, const RouteInput& in);

// Runs a route whose parameters passed check_params.
Reply run_route(const Route& route, const RouteInput& in, Services& services);

// The MI result with every object key lower-cased ("Clusters" → "clusters"):
// the REST bodies are the MI results under this one rule.
Json lower_keys(const Json& j);

}  // namespace lc::gateway
