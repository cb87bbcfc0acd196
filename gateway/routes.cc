#include "routes.h"

#include <cctype>
#include <charconv>

namespace lc::gateway {
namespace {

// The clusterer's status/report group (mi.md §6).
constexpr const char* kStatusGroup = "clusterer";

std::optional<long long> parse_integer(const std::string& s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

Param cluster_id_param() {
  return {"cid", Param::In::kPath, Param::Type::kPositiveInteger, true, "cluster id"};
}
Param node_id_param() {
  return {"nid", Param::In::kPath, Param::Type::kPositiveInteger, true, "node id"};
}
Param identifier_param() {
  return {"identifier", Param::In::kPath, Param::Type::kString, true,
          "status/report identifier of the clusterer group: node_states, sharing_tags or "
          "cap:<capability>"};
}

// The cluster `cid` of a clusterer_list / clusterer_list_topology result
// (lower-cased), or a 404 naming it.
std::variant<Json, Problem> find_cluster(const Json& lowered, long long cid) {
  for (const auto& c : lowered.value("clusters", Json::array()))
    if (c.value("cluster_id", 0LL) == cid) return c;
  return not_found("cluster " + std::to_string(cid) + " is not known to the node");
}

Reply list_clusters(const RouteInput&, const Json& result) { return lower_keys(result); }

Reply list_nodes(const RouteInput& in, const Json& result) {
  return find_cluster(lower_keys(result), in.integer("cid"));
}

// clusterer_list does not list the local node (mi.md §2.2), so neither does
// this route: the node's own id is a 404 here.
Reply one_node(const RouteInput& in, const Json& result) {
  auto cluster = find_cluster(lower_keys(result), in.integer("cid"));
  if (auto* p = std::get_if<Problem>(&cluster)) return *p;
  const long long nid = in.integer("nid");
  for (const auto& n : std::get<Json>(cluster).value("nodes", Json::array()))
    if (n.value("node_id", 0LL) == nid) return n;
  return not_found("node " + std::to_string(nid) + " is not a peer of the node in cluster " +
                   std::to_string(in.integer("cid")));
}

// The first topology entry is the local node (mi.md §2.3): named here so a
// client need not know that rule.
Reply topology(const RouteInput& in, const Json& result) {
  auto cluster = find_cluster(lower_keys(result), in.integer("cid"));
  if (auto* p = std::get_if<Problem>(&cluster)) return *p;
  Json c = std::get<Json>(cluster);
  const auto& nodes = c.value("nodes", Json::array());
  Json out;
  out["cluster_id"] = c["cluster_id"];
  out["local_node_id"] = nodes.empty() ? Json() : nodes[0].value("node_id", Json());
  out["nodes"] = nodes;
  return out;
}

Reply status_list(const RouteInput&, const Json& result) {
  return Json{{"group", kStatusGroup}, {"identifiers", lower_keys(result)}};
}

Reply status_one(const RouteInput& in, const Json& result) {
  Json out{{"group", kStatusGroup}, {"name", in.path.at("identifier")}};
  out.update(lower_keys(result));
  return out;
}

// ?since=UNIX_TS keeps the reports stamped at or after it; the MI command
// has no such filter, so it is applied here.
Reply reports(const RouteInput& in, const Json& result) {
  const bool filtered = in.query.count("since") != 0;
  const long long since = filtered ? in.integer("since") : 0;
  Json kept = Json::array();
  for (const auto& r : lower_keys(result))
    if (!filtered || r.value("timestamp", 0LL) >= since) kept.push_back(r);
  return Json{{"group", kStatusGroup}, {"name", in.path.at("identifier")}, {"reports", kept}};
}

Reply set_node_status_params(const RouteInput& in) {
  const auto& body = in.body;
  if (!body.is_object() || !body.contains("status") || !body["status"].is_string())
    return bad_request(R"(the body must be {"status":"enabled"} or {"status":"disabled"})");
  const auto status = body["status"].get<std::string>();
  if (status != "enabled" && status != "disabled")
    return bad_request("status must be \"enabled\" or \"disabled\", not \"" + status + "\"");
  return Json{{"cluster_id", in.integer("cid")},
              {"node_id", in.integer("nid")},
              {"status", status == "enabled" ? 1 : 0}};
}

Reply set_node_status_shape(const RouteInput& in, const Json&) {
  return Json{{"cluster_id", in.integer("cid")},
              {"node_id", in.integer("nid")},
              {"status", in.body["status"]}};
}

Reply no_params(const RouteInput&) { return Json(); }

Route mi_get(std::string path, std::string summary, std::string command,
             std::vector<Param> params,
             std::function<Reply(const RouteInput&, const Json&)> shape,
             std::function<Reply(const RouteInput&)> mi_params = no_params) {
  Route r;
  r.method = Method::kGet;
  r.path = std::move(path);
  r.summary = std::move(summary);
  r.access = Access::kRead;
  r.mi_command = std::move(command);
  r.params = std::move(params);
  r.mi_params = std::move(mi_params);
  r.shape = std::move(shape);
  return r;
}

Route local_get(std::string path, std::string summary, std::function<Reply(const RouteInput&)> answer) {
  Route r;
  r.method = Method::kGet;
  r.path = std::move(path);
  r.summary = std::move(summary);
  r.access = Access::kPublic;
  r.answer = std::move(answer);
  return r;
}

Route set_node_status_route() {
  Route r;
  r.method = Method::kPut;
  r.path = "/v1/clusters/{cid}/nodes/{nid}/status";
  r.summary = "Enable or disable a node (the local node too) in a cluster";
  r.access = Access::kWrite;
  r.mi_command = "clusterer_set_status";
  r.params = {cluster_id_param(), node_id_param()};
  r.body_schema = Json::parse(R"({"type":"object","required":["status"],
      "properties":{"status":{"type":"string","enum":["enabled","disabled"]}}})");
  r.mi_params = set_node_status_params;
  r.shape = set_node_status_shape;
  return r;
}

Json status_params(const RouteInput& in) {
  return Json{{"group", kStatusGroup}, {"identifier", in.path.at("identifier")}};
}

}  // namespace

const char* method_name(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kPut: return "PUT";
    case Method::kPost: return "POST";
    case Method::kDelete: return "DELETE";
  }
  return "GET";
}

long long RouteInput::integer(const std::string& name) const {
  auto it = path.find(name);
  const std::string& text = it != path.end() ? it->second : query.at(name);
  return parse_integer(text).value_or(0);
}

Json lower_keys(const Json& j) {
  if (j.is_array()) {
    Json out = Json::array();
    for (const auto& item : j) out.push_back(lower_keys(item));
    return out;
  }
  if (!j.is_object()) return j;
  Json out = Json::object();
  for (const auto& [key, value] : j.items()) {
    std::string k = key;
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[k] = lower_keys(value);
  }
  return out;
}

std::vector<Route> make_routes() {
  std::vector<Route> routes;
  routes.push_back(mi_get("/v1/clusters", "The clusters of the node with their other nodes",
                          "clusterer_list", {}, list_clusters));
  routes.push_back(mi_get("/v1/clusters/{cid}/nodes",
                          "The other nodes of a cluster, with link state and next hop",
                          "clusterer_list", {cluster_id_param()}, list_nodes));
  routes.push_back(mi_get("/v1/clusters/{cid}/nodes/{nid}", "One other node of a cluster",
                          "clusterer_list", {cluster_id_param(), node_id_param()}, one_node));
  routes.push_back(set_node_status_route());
  routes.push_back(mi_get("/v1/clusters/{cid}/topology",
                          "The cluster's topology as the node knows it (local node first)",
                          "clusterer_list_topology", {cluster_id_param()}, topology));
  routes.push_back(mi_get("/v1/status", "Status of every identifier of the clusterer group",
                          "sr_list_status", {}, status_list, [](const RouteInput&) -> Reply {
                            return Json{{"group", kStatusGroup}};
                          }));
  routes.push_back(mi_get("/v1/status/{identifier}", "Status of one identifier",
                          "sr_get_status", {identifier_param()}, status_one,
                          [](const RouteInput& in) -> Reply { return status_params(in); }));
  routes.push_back(mi_get(
      "/v1/reports/{identifier}", "Reports of one identifier, oldest first", "sr_list_reports",
      {identifier_param(),
       {"since", Param::In::kQuery, Param::Type::kInteger, false,
        "UNIX time in seconds: only the reports stamped at or after it"}},
      reports, [](const RouteInput& in) -> Reply { return status_params(in); }));
  routes.push_back(mi_get("/v1/statistics", "Every statistic of the node", "get_statistics", {},
                          [](const RouteInput&, const Json& result) -> Reply {
                            return Json{{"statistics", result}};
                          },
                          [](const RouteInput&) -> Reply {
                            return Json{{"statistics", Json::array({"all"})}};
                          }));
  routes.push_back(local_get("/livez", "The gateway process is up (does not ask the node)",
                             [](const RouteInput&) -> Reply { return Json{{"status", "ok"}}; }));
  routes.push_back(local_get("/openapi.json", "This API as an OpenAPI 3.1 document",
                             [](const RouteInput& in) -> Reply { return *in.openapi; }));
  return routes;
}

std::optional<Problem> check_params(const Route& route, const RouteInput& in) {
  for (const auto& p : route.params) {
    const auto& values = p.in == Param::In::kPath ? in.path : in.query;
    auto it = values.find(p.name);
    if (it == values.end()) {
      if (p.required) return bad_request("missing parameter '" + p.name + "' (" + p.description + ")");
      continue;
    }
    if (p.type == Param::Type::kString) continue;
    auto v = parse_integer(it->second);
    if (!v || (p.type == Param::Type::kPositiveInteger && *v < 1))
      return bad_request("parameter '" + p.name + "' (" + p.description + ") must be a " +
                         (p.type == Param::Type::kPositiveInteger ? "positive " : "") +
                         "integer, not '" + it->second + "'");
  }
  return std::nullopt;
}

Reply run_route(const Route& route, const RouteInput& in, MiBackend& node,
                std::chrono::milliseconds mi_timeout) {
  if (route.mi_command.empty()) return route.answer(in);
  Reply params = route.mi_params(in);
  if (auto* p = std::get_if<Problem>(&params)) return *p;
  MiOutcome outcome = node.call(route.mi_command, std::get<Json>(params), mi_timeout);
  if (outcome.kind != MiOutcome::Kind::kResult) return problem_of(outcome, route.mi_command);
  return route.shape(in, outcome.result);
}

}  // namespace lc::gateway
