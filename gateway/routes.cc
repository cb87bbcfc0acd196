#include "routes.h"

#include <cctype>
#include <charconv>

#include "messages.h"
#include "mi_routes.h"
#include "schemas.h"
#include "status_page.h"
#include "metrics.h"
#include "readiness.h"

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
  auto cluster = find_cluster(lower_keys(result), in.integer("cid"));
  if (auto* p = std::get_if<Problem>(&cluster)) return *p;
  return std::get<Json>(cluster);
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

Route local_get(std::string path, std::string summary,
                std::function<Reply(const RouteInput&, Services&)> answer) {
  Route r;
  r.method = Method::kGet;
  r.path = std::move(path);
  r.summary = std::move(summary);
  r.access = Access::kPublic;
  r.answer = std::move(answer);
  return r;
}

Json status_params(const RouteInput& in) {
  return Json{{"group", kStatusGroup}, {"identifier", in.path.at("identifier")}};
}

Route mi_route(Method method, std::string path, std::string summary, std::string command,
               std::vector<Param> params, const char* body_schema,
               std::function<Reply(const RouteInput&)> mi_params,
               std::function<Reply(const RouteInput&, const Json&)> shape) {
  Route r = mi_get(std::move(path), std::move(summary), std::move(command), std::move(params),
                   std::move(shape), std::move(mi_params));
  r.method = method;
  r.access = method == Method::kGet ? Access::kRead : Access::kWrite;
  if (body_schema) r.body_schema = Json::parse(body_schema);
  return r;
}

// {"status":"enabled"|"disabled"} → 1 / 0.
std::variant<int, Problem> enabled_status(const Json& body) {
  if (!body.is_object() || !body.contains("status") || !body["status"].is_string())
    return bad_request(R"(the body must be {"status":"enabled"} or {"status":"disabled"})");
  const auto status = body["status"].get<std::string>();
  if (status != "enabled" && status != "disabled")
    return bad_request("status must be \"enabled\" or \"disabled\", not \"" + status + "\"");
  return status == "enabled" ? 1 : 0;
}

constexpr const char* kStatusBody = R"({"type":"object","required":["status"],
    "properties":{"status":{"type":"string","enum":["enabled","disabled"]}}})";

// ---- nodes, capabilities, sharing tags

Route set_node_status_route() {
  return mi_route(Method::kPut, "/v1/clusters/{cid}/nodes/{nid}/status",
                  "Enable or disable a node (the local node too) in a cluster",
                  "clusterer_set_status", {cluster_id_param(), node_id_param()}, kStatusBody,
                  [](const RouteInput& in) -> Reply {
                    auto status = enabled_status(in.body);
                    if (auto* p = std::get_if<Problem>(&status)) return *p;
                    return Json{{"cluster_id", in.integer("cid")},
                                {"node_id", in.integer("nid")},
                                {"status", std::get<int>(status)}};
                  },
                  set_node_status_shape);
}

Route remove_node_route() {
  Route r = mi_route(
      Method::kDelete, "/v1/clusters/{cid}/nodes/{nid}",
      "Remove a node from the cluster (db_mode 0 only; it may come back by discovery)",
      "clusterer_remove_node", {cluster_id_param(), node_id_param()}, nullptr,
      [](const RouteInput& in) -> Reply {
        return Json{{"cluster_id", in.integer("cid")}, {"node_id", in.integer("nid")}};
      },
      [](const RouteInput& in, const Json&) -> Reply {
        return Json{{"cluster_id", in.integer("cid")}, {"node_id", in.integer("nid")},
                    {"removed", true}};
      });
  // A DB-provisioned node is removed from the database, not here.
  r.mi_error = [](const RouteInput&, const MiOutcome& o) {
    if (auto p = remap_mi_error(o, 400, "Running in DB mode", 409, "clusterer_remove_node")) return p;
    return unknown_target_is_404(o, "clusterer_remove_node");
  };
  return r;
}

Route list_caps_route() {
  return mi_get("/v1/clusters/{cid}/capabilities",
                "The node's capabilities in a cluster, with sync state", "clusterer_list_cap",
                {cluster_id_param()}, [](const RouteInput& in, const Json& result) -> Reply {
                  auto c = find_cluster(lower_keys(result), in.integer("cid"));
                  if (auto* p = std::get_if<Problem>(&c)) return *p;
                  const Json& cluster = std::get<Json>(c);
                  return Json{{"cluster_id", cluster["cluster_id"]},
                              {"capabilities", cluster.value("capabilities", Json::array())}};
                });
}

Route set_cap_status_route() {
  return mi_route(
      Method::kPut, "/v1/clusters/{cid}/capabilities/{name}/status",
      "Enable or disable a capability in a cluster", "clusterer_set_cap_status",
      {cluster_id_param(), {"name", Param::In::kPath, Param::Type::kString, true, "capability"}},
      kStatusBody,
      [](const RouteInput& in) -> Reply {
        auto status = enabled_status(in.body);
        if (auto* p = std::get_if<Problem>(&status)) return *p;
        return Json{{"cluster_id", in.integer("cid")},
                    {"capability", in.path.at("name")},
                    {"status", std::get<int>(status)}};
      },
      [](const RouteInput& in, const Json&) -> Reply {
        return Json{{"cluster_id", in.integer("cid")},
                    {"capability", in.path.at("name")},
                    {"status", in.body["status"]}};
      });
}

// The sharing tags the node defines in cluster `cid`, from
// clusterer_list_shtags (every cluster's tags: [{"Tag","Cluster","State"}]).
std::variant<Json, Problem> shtags_of(Services& s, long long cid) {
  MiOutcome o = s.node.call("clusterer_list_shtags", Json(), s.mi_timeout);
  if (o.kind != MiOutcome::Kind::kResult) return problem_of(o, "clusterer_list_shtags");
  Json tags = Json::array();
  for (const auto& t : lower_keys(o.result))
    if (t.value("cluster", 0LL) == cid)
      tags.push_back(Json{{"name", t["tag"]}, {"state", t["state"]}});
  return tags;
}

// A 404 for cluster `cid` when the node is not in it (clusterer_list_topology
// names every cluster of the node, even one where it is alone); nothing when
// it is.
std::optional<Problem> unknown_cluster(Services& s, long long cid) {
  MiOutcome o = s.node.call("clusterer_list_topology", Json(), s.mi_timeout);
  if (o.kind != MiOutcome::Kind::kResult) return problem_of(o, "clusterer_list_topology");
  auto c = find_cluster(lower_keys(o.result), cid);
  if (auto* p = std::get_if<Problem>(&c)) return *p;
  return std::nullopt;
}

// A cluster with no tags may be one the node is not in: 404 then, like the
// other /v1/clusters/{cid} routes (G11).
Reply list_shtags(const RouteInput& in, Services& s) {
  const long long cid = in.integer("cid");
  auto tags = shtags_of(s, cid);
  if (auto* p = std::get_if<Problem>(&tags)) return *p;
  if (std::get<Json>(tags).empty())
    if (auto p = unknown_cluster(s, cid)) return *p;
  return Json{{"cluster_id", cid}, {"shtags", std::get<Json>(tags)}};
}

// clusterer_shtag_set_active creates a tag it does not know (OpenSIPS does
// so for tags first named by a script); through REST a tag the cluster does
// not define is a 404 instead, so a typo does not make a new tag (G11).
// POST /v1/mi/clusterer_shtag_set_active keeps the MI behaviour.
Reply set_shtag(const RouteInput& in, Services& s) {
  const Json& b = in.body;
  if (!b.is_object() || !b.contains("state") || !b["state"].is_string())
    return bad_request(R"(the body must be {"state":"active"})");
  if (b["state"] != "active")
    return bad_request("only \"active\" can be set: a tag becomes backup when another "
                       "node takes it");
  const long long cid = in.integer("cid");
  const std::string& name = in.path.at("name");
  auto tags = shtags_of(s, cid);
  if (auto* p = std::get_if<Problem>(&tags)) return *p;
  bool defined = false;
  for (const auto& t : std::get<Json>(tags)) defined |= t["name"] == name;
  if (!defined) {
    if (auto p = unknown_cluster(s, cid)) return *p;
    return not_found("sharing tag '" + name + "' is not defined in cluster " +
                     std::to_string(cid) + " (GET /v1/clusters/" + std::to_string(cid) +
                     "/shtags lists them)");
  }
  MiOutcome o = s.node.call("clusterer_shtag_set_active",
                            Json{{"tag", name + "/" + std::to_string(cid)}}, s.mi_timeout);
  if (o.kind != MiOutcome::Kind::kResult) return problem_of(o, "clusterer_shtag_set_active");
  return Json{{"cluster_id", cid}, {"name", name}, {"state", "active"}};
}

Route list_shtags_route() {
  Route r = local_get("/v1/clusters/{cid}/shtags", "The sharing tags of a cluster and their state",
                      list_shtags);
  r.access = Access::kRead;
  r.calls = "clusterer_list_shtags (and clusterer_list_topology when the cluster has no tags)";
  r.params = {cluster_id_param()};
  return r;
}

Route set_shtag_route() {
  Route r;
  r.method = Method::kPut;
  r.path = "/v1/clusters/{cid}/shtags/{name}";
  r.summary =
      "Make this node the active holder of a sharing tag the cluster defines (the others "
      "become backup); 404 for a tag it does not define";
  r.access = Access::kWrite;
  r.calls = "clusterer_list_shtags, clusterer_shtag_set_active";
  r.params = {cluster_id_param(),
              {"name", Param::In::kPath, Param::Type::kString, true, "sharing tag"}};
  r.body_schema = Json::parse(R"({"type":"object","required":["state"],
      "properties":{"state":{"type":"string","enum":["active"]}}})");
  r.answer = set_shtag;
  return r;
}

// ---- the replicated kv cache (cachedb-local-repl; `local:<collection>`)

Param collection_param() {
  return {"collection", Param::In::kPath, Param::Type::kString, true, "cache collection"};
}
Param key_param() { return {"key", Param::In::kPath, Param::Type::kString, true, "key"}; }

std::string cache_system(const RouteInput& in) { return "local:" + in.path.at("collection"); }

// The cache commands answer an unknown collection with their generic 500.
std::optional<Problem> kv_error(const RouteInput& in, const MiOutcome& o,
                                const std::string& command) {
  if (o.kind != MiOutcome::Kind::kMiError) return std::nullopt;
  if (auto p = remap_mi_error(o, 400, "Value not found", 404, command)) {
    p->detail = "no key '" + in.path.at("key") + "' in collection '" + in.path.at("collection") + "'";
    return p;
  }
  if (o.mi_code == 500 && o.message.rfind("Cache ", 0) == 0) {
    Problem p = problem_of(o, command);
    p.status = 404;
    p.detail = "'" + in.path.at("collection") +
               "' is not a collection of the node's cache (kv_collection)";
    return p;
  }
  return std::nullopt;
}

Route kv_get_route() {
  Route r = mi_get("/v1/kv/{collection}/{key}", "One key of the replicated cache", "cache_fetch",
                   {collection_param(), key_param()},
                   [](const RouteInput& in, const Json& result) -> Reply {
                     return Json{{"collection", in.path.at("collection")},
                                 {"key", in.path.at("key")},
                                 {"value", result.value("value", "")}};
                   },
                   [](const RouteInput& in) -> Reply {
                     return Json{{"system", cache_system(in)}, {"attr", in.path.at("key")}};
                   });
  r.mi_error = [](const RouteInput& in, const MiOutcome& o) { return kv_error(in, o, "cache_fetch"); };
  return r;
}

Route kv_put_route() {
  Route r = mi_route(
      Method::kPut, "/v1/kv/{collection}/{key}",
      "Store a key (replicated to the cluster); expire in seconds, 0 or absent: never",
      "cache_store", {collection_param(), key_param()},
      R"({"type":"object","required":["value"],"properties":{
          "value":{"type":"string","minLength":1},"expire":{"type":"integer","minimum":0}}})",
      [](const RouteInput& in) -> Reply {
        const Json& b = in.body;
        if (!b.is_object() || !b.contains("value") || !b["value"].is_string())
          return bad_request(R"(the body must be {"value":"..."} with an optional "expire")");
        if (b["value"].get<std::string>().empty()) return bad_request("\"value\" must not be empty");
        Json p{{"system", cache_system(in)}, {"attr", in.path.at("key")}, {"value", b["value"]}};
        if (b.contains("expire")) {
          if (!b["expire"].is_number_integer() || b["expire"].get<long long>() < 0 ||
              b["expire"].get<long long>() > INT32_MAX)
            return bad_request("\"expire\" must be a whole number of seconds, 0 or more");
          p["expire"] = b["expire"];
        }
        return p;
      },
      [](const RouteInput& in, const Json&) -> Reply {
        return Json{{"collection", in.path.at("collection")},
                    {"key", in.path.at("key")},
                    {"value", in.body["value"]},
                    {"expire", in.body.value("expire", 0LL)}};
      });
  r.mi_error = [](const RouteInput& in, const MiOutcome& o) { return kv_error(in, o, "cache_store"); };
  return r;
}

Route kv_delete_route() {
  Route r = mi_route(
      Method::kDelete, "/v1/kv/{collection}/{key}",
      "Remove a key (replicated; succeeds when it was absent too)", "cache_remove",
      {collection_param(), key_param()}, nullptr,
      [](const RouteInput& in) -> Reply {
        return Json{{"system", cache_system(in)}, {"attr", in.path.at("key")}};
      },
      [](const RouteInput& in, const Json&) -> Reply {
        return Json{{"collection", in.path.at("collection")},
                    {"key", in.path.at("key")},
                    {"removed", true}};
      });
  r.mi_error = [](const RouteInput& in, const MiOutcome& o) { return kv_error(in, o, "cache_remove"); };
  return r;
}

Route kv_list_route() {
  Route r = mi_get(
      "/v1/kv/{collection}", "The keys of a collection matching a glob (default *)",
      "cache_fetch_chunk",
      {collection_param(),
       {"glob", Param::In::kQuery, Param::Type::kString, false,
        "fnmatch pattern over the whole key (* also matches /); default, and when empty: *"}},
      [](const RouteInput& in, const Json& result) -> Reply {
        Json keys = result.is_object() ? result.value("keys", Json::array()) : Json::array();
        return Json{{"collection", in.path.at("collection")}, {"keys", keys}};
      },
      [](const RouteInput& in) -> Reply {
        // ?glob= (empty) is taken as no glob: every key, not none.
        auto it = in.query.find("glob");
        auto glob = it == in.query.end() || it->second.empty() ? std::string("*") : it->second;
        return Json{{"glob", glob}, {"collection", in.path.at("collection")}};
      });
  // An unknown collection fails parameter handling inside cache_fetch_chunk.
  r.mi_error = [](const RouteInput& in, const MiOutcome& o) -> std::optional<Problem> {
    if (o.kind != MiOutcome::Kind::kMiError || o.mi_code != -32000) return std::nullopt;
    Problem p = problem_of(o, "cache_fetch_chunk");
    p.status = 404;
    p.detail = "'" + in.path.at("collection") + "' is not a collection of the node's cache";
    return p;
  };
  return r;
}

// ---- reload, check_addr, events

Route reload_route() {
  Route r = mi_route(
      Method::kPost, "/v1/reload", "Reload the node's provisioning (db_mode 1) and rediscover",
      "clusterer_reload", {}, nullptr, no_params,
      [](const RouteInput&, const Json&) -> Reply { return Json{{"reloaded", true}}; });
  // A node provisioned in its config has nothing to reload: the request
  // conflicts with the node's mode rather than being malformed.
  r.mi_error = [](const RouteInput&, const MiOutcome& o) {
    return remap_mi_error(o, 400, "Non-DB mode", 409, "clusterer_reload");
  };
  return r;
}

Route check_addr_route() {
  Route r = mi_get(
      "/v1/clusters/{cid}/check_addr", "Whether an IP belongs to another node of the cluster",
      "cluster_check_addr",
      {cluster_id_param(),
       {"ip", Param::In::kQuery, Param::Type::kString, true, "IP address"},
       {"type", Param::In::kQuery, Param::Type::kString, false,
        "sip (default: the nodes' sip_addr) or bin (their BIN URL)"}},
      [](const RouteInput& in, const Json& result) -> Reply {
        return Json{{"cluster_id", in.integer("cid")},
                    {"ip", in.query.at("ip")},
                    {"type", in.query.count("type") ? in.query.at("type") : "sip"},
                    {"match", result.value("match", false)}};
      },
      [](const RouteInput& in) -> Reply {
        Json p{{"cluster_id", in.integer("cid")}, {"ip", in.query.at("ip")}};
        if (in.query.count("type")) {
          const auto& t = in.query.at("type");
          if (t != "sip" && t != "bin")
            return bad_request("type must be sip or bin, not '" + t + "'");
          p["addr_type"] = t;
        }
        return p;
      });
  r.mi_error = [](const RouteInput&, const MiOutcome& o) {
    return unknown_target_is_404(o, "cluster_check_addr");
  };
  return r;
}

Route events_route() {
  Route r;
  r.method = Method::kGet;
  r.path = "/v1/events";
  r.summary =
      "The node's events as Server-Sent Events (id, event name, data = the parameters); "
      "resume with Last-Event-ID";
  r.access = Access::kRead;
  r.calls = "subscribe";
  r.event_stream = true;
  r.response_type = "text/event-stream";
  r.params = {
      {"events", Param::In::kQuery, Param::Type::kString, false,
       "comma-separated event names to send (default: all)"},
      {"last_event_id", Param::In::kQuery, Param::Type::kString, false,
       "resume after this id, for clients that cannot send the Last-Event-ID header"}};
  return r;
}

Route with_schema(Route r, const char* response_schema) {
  r.response_schema = Json::parse(response_schema);
  return r;
}

}  // namespace

Param cluster_id_param() {
  return {"cid", Param::In::kPath, Param::Type::kPositiveInteger, true, "cluster id"};
}
Param node_id_param() {
  return {"nid", Param::In::kPath, Param::Type::kPositiveInteger, true, "node id"};
}

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
  routes.push_back(with_schema(mi_get("/v1/clusters", "The clusters of the node with their other nodes",
                          "clusterer_list", {}, list_clusters), schemas::kClusters));
  routes.push_back(with_schema(mi_get("/v1/clusters/{cid}/nodes",
                          "The other nodes of a cluster, with link state and next hop",
                          "clusterer_list", {cluster_id_param()}, list_nodes), schemas::kCluster));
  routes.push_back(with_schema(mi_get("/v1/clusters/{cid}/nodes/{nid}", "One other node of a cluster",
                          "clusterer_list", {cluster_id_param(), node_id_param()}, one_node), schemas::kNode));
  routes.push_back(with_schema(set_node_status_route(), schemas::kNodeStatus));
  routes.push_back(with_schema(remove_node_route(), schemas::kRemoved));
  routes.push_back(with_schema(mi_get("/v1/clusters/{cid}/topology",
                          "The cluster's topology as the node knows it (local node first)",
                          "clusterer_list_topology", {cluster_id_param()}, topology), schemas::kTopology));
  routes.push_back(with_schema(mi_get("/v1/status", "Status of every identifier of the clusterer group",
                          "sr_list_status", {}, status_list, [](const RouteInput&) -> Reply {
                            return Json{{"group", kStatusGroup}};
                          }), schemas::kStatusList));
  routes.push_back(with_schema(mi_get("/v1/status/{identifier}", "Status of one identifier",
                          "sr_get_status", {identifier_param()}, status_one,
                          [](const RouteInput& in) -> Reply { return status_params(in); }), schemas::kStatusOne));
  routes.push_back(with_schema(mi_get(
      "/v1/reports/{identifier}", "Reports of one identifier, oldest first", "sr_list_reports",
      {identifier_param(),
       {"since", Param::In::kQuery, Param::Type::kInteger, false,
        "UNIX time in seconds: only the reports stamped at or after it"}},
      reports, [](const RouteInput& in) -> Reply { return status_params(in); }), schemas::kReports));
  routes.push_back(with_schema(mi_get("/v1/statistics", "Every statistic of the node", "get_statistics", {},
                          [](const RouteInput&, const Json& result) -> Reply {
                            return Json{{"statistics", result}};
                          },
                          [](const RouteInput&) -> Reply {
                            return Json{{"statistics", Json::array({"all"})}};
                          }), schemas::kStatistics));
  routes.push_back(with_schema(list_caps_route(), schemas::kCapabilities));
  routes.push_back(with_schema(set_cap_status_route(), schemas::kCapStatus));
  routes.push_back(with_schema(list_shtags_route(), schemas::kShtags));
  routes.push_back(with_schema(set_shtag_route(), schemas::kShtagActive));
  for (auto& r : message_routes()) routes.push_back(std::move(r));
  routes.push_back(with_schema(kv_list_route(), schemas::kKvList));
  routes.push_back(with_schema(kv_get_route(), schemas::kKvEntry));
  routes.push_back(with_schema(kv_put_route(), schemas::kKvEntry));
  routes.push_back(with_schema(kv_delete_route(), schemas::kKvRemoved));
  routes.push_back(with_schema(reload_route(), schemas::kReloaded));
  routes.push_back(with_schema(check_addr_route(), schemas::kCheckAddr));
  routes.push_back(events_route());
  for (auto& r : registry_routes(mi::make_clusterer_registry())) routes.push_back(std::move(r));
  routes.push_back(with_schema(local_get("/livez", "The gateway process is up (does not ask the node)",
                             [](const RouteInput&, Services&) -> Reply {
                               return Json{{"status", "ok"}};
                             }), schemas::kLivez));
  routes.push_back(metrics_route());
  routes.push_back(readyz_route());
  routes.push_back(local_get("/openapi.json", "This API as an OpenAPI 3.1 document",
                             [](const RouteInput&, Services& s) -> Reply { return s.openapi; }));
  routes.push_back(status_page_route());
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

Reply run_route(const Route& route, const RouteInput& in, Services& services) {
  if (route.mi_command.empty()) return route.answer(in, services);
  Reply params = route.mi_params(in);
  if (auto* p = std::get_if<Problem>(&params)) return *p;
  MiOutcome outcome =
      services.node.call(route.mi_command, std::get<Json>(params), services.mi_timeout);
  if (outcome.kind != MiOutcome::Kind::kResult) {
    if (route.mi_error)
      if (auto p = route.mi_error(in, outcome)) return *p;
    return problem_of(outcome, route.mi_command);
  }
  return route.shape(in, outcome.result);
}

}  // namespace lc::gateway
