#include "readiness.h"

#include <algorithm>

#include "schemas.h"

namespace lc::gateway {
namespace {

constexpr const char* kNotChecked = "not checked: the node does not answer MI";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The node's answers the checks need, asked once each.
struct NodeView {
  CallSequence calls;

  // The result, keys lower-cased.
  std::optional<Json> ask(const std::string& command, const Json& params) {
    auto result = calls.ask(command, params);
    if (!result) return std::nullopt;
    return lower_keys(*result);
  }
  bool answered() const { return calls.node_answered(); }
};

// MI shows no "local node enabled" flag. cluster_send_mi answers the result
// "Local node disabled" before it looks up the destination (mi.md §2.6), so
// a destination id no node has tells the state without sending anything.
ReadinessCheck local_enabled(NodeView& v, const Json& topology) {
  std::vector<std::string> disabled;
  for (const auto& c : topology.value("clusters", Json::array())) {
    long long unused_id = 1;
    for (const auto& n : c.value("nodes", Json::array()))
      unused_id = std::max(unused_id, n.value("node_id", 0LL) + 1);
    const long long cid = c.value("cluster_id", 0LL);
    auto r = v.ask("cluster_send_mi",
                   Json{{"cluster_id", cid}, {"destination", unused_id}, {"cmd_name", "which"}});
    if (r && *r == "Local node disabled") disabled.push_back(std::to_string(cid));
  }
  if (!v.answered()) return {"local_node_enabled", false, kNotChecked};
  if (!disabled.empty())
    return {"local_node_enabled", false, "the local node is disabled in cluster " + join(disabled)};
  return {"local_node_enabled", true, "the local node is enabled in every cluster"};
}

// At least one enabled peer reachable per cluster (README: "Readiness").
std::string cluster_peers(const Json& cluster, bool* ok) {
  std::vector<std::string> up, down;
  for (const auto& n : cluster.value("nodes", Json::array())) {
    if (n.value("state", "") != "enabled") continue;
    const std::string id = std::to_string(n.value("node_id", 0LL));
    (n.value("next_hop", "none") != "none" ? up : down).push_back(id);
  }
  const std::string cid = std::to_string(cluster.value("cluster_id", 0LL));
  if (up.empty() && down.empty()) return "cluster " + cid + ": no enabled peers";
  if (up.empty()) *ok = false;
  std::string out = "cluster " + cid + ": " + std::to_string(up.size()) + " of " +
                    std::to_string(up.size() + down.size()) + " enabled peers reachable";
  if (!up.empty()) out += " (" + join(up) + ")";
  if (!down.empty()) out += ", unreachable: " + join(down);
  return out;
}

ReadinessCheck peers(NodeView& v) {
  auto list = v.ask("clusterer_list", Json::object());
  if (!list) return {"peers", false, v.answered() ? "clusterer_list failed" : kNotChecked};
  bool ok = true;
  std::vector<std::string> details;
  for (const auto& c : list->value("clusters", Json::array())) details.push_back(cluster_peers(c, &ok));
  return {"peers", ok, details.empty() ? "the node is in no cluster" : join(details)};
}

ReadinessCheck capabilities(NodeView& v) {
  auto status = v.ask("sr_list_status", Json{{"group", "clusterer"}});
  if (!status || !status->is_array())
    return {"capabilities", false, v.answered() ? "sr_list_status failed" : kNotChecked};
  std::vector<std::string> synced, not_synced;
  for (const auto& id : *status) {
    const std::string name = id.value("name", "");
    if (name.rfind("cap:", 0) != 0) continue;
    const std::string text = name.substr(4) + " (" + id.value("details", "no details") + ")";
    (id.value("readiness", false) ? synced : not_synced).push_back(text);
  }
  if (!not_synced.empty()) return {"capabilities", false, "not ready: " + join(not_synced)};
  return {"capabilities", true,
          synced.empty() ? "no capabilities registered" : "ready: " + join(synced)};
}

Json checks_json(const std::vector<ReadinessCheck>& checks, bool failing_only) {
  Json out = Json::array();
  for (const auto& c : checks)
    if (!failing_only || !c.ok)
      out.push_back(Json{{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  return out;
}

Reply readyz(const RouteInput& in, Services& s) {
  const auto checks = readiness_checks(s);
  const bool verbose = in.query.count("verbose") != 0;
  std::vector<std::string> failed;
  for (const auto& c : checks)
    if (!c.ok) failed.push_back(c.name);
  if (failed.empty()) {
    Json body{{"status", "ready"}};
    if (verbose) body["checks"] = checks_json(checks, false);
    return body;
  }
  Problem p{503, "not ready: " + join(failed), {}, {}, {}};
  p.extra = Json{{"checks", checks_json(checks, !verbose)}};
  return p;
}

}  // namespace

std::vector<ReadinessCheck> readiness_checks(Services& s) {
  NodeView v{CallSequence(s.node, s.mi_timeout)};
  auto topology = v.ask("clusterer_list_topology", Json::object());
  if (!v.answered())
    return {{"node", false, "the node does not answer MI: " + v.calls.silence().message},
            {"local_node_enabled", false, kNotChecked},
            {"peers", false, kNotChecked},
            {"capabilities", false, kNotChecked}};
  std::vector<ReadinessCheck> checks{{"node", true, "the node answers MI at " + s.node.address()}};
  checks.push_back(topology ? local_enabled(v, *topology)
                            : ReadinessCheck{"local_node_enabled", false,
                                             "clusterer_list_topology failed"});
  checks.push_back(peers(v));
  checks.push_back(capabilities(v));
  if (!v.answered()) checks[0] = {"node", false, "the node stopped answering MI: " + v.calls.silence().message};
  return checks;
}

Route readyz_route() {
  Route r;
  r.method = Method::kGet;
  r.path = "/readyz";
  r.summary =
      "Ready for traffic: the node answers MI, the local node is enabled, at least one enabled "
      "peer is reachable (or there are none), every capability is synced; 503 lists what fails";
  r.access = Access::kPublic;
  r.calls = "clusterer_list_topology, cluster_send_mi (to no node: reads the local state), "
            "clusterer_list, sr_list_status";
  r.params = {{"verbose", Param::In::kQuery, Param::Type::kString, false,
               "present: list every check with ok and a detail"}};
  r.answer = readyz;
  r.response_schema = Json::parse(schemas::kReady);
  return r;
}

}  // namespace lc::gateway
