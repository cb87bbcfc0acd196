// Commands of our own for the clusterer's script functions (mi.md §4) and
// for event subscriptions (mi.md §3). A script function's return code
// becomes a JSON-RPC application error (docs/decisions.md, "MI").
#include <algorithm>
#include <cctype>

#include "commands.h"
#include "libcluster/mi/events.h"

namespace lc::mi {

namespace {

using core::SendResult;

// Cluster and node ids checked like the clusterer's MI commands, then the
// cluster's existence (a script gets -3 or -1 for it; we say why).
Expected<int32_t, MiError> known_cluster(Call& c) {
  auto cluster = positive_int(c.params, "cluster_id");
  if (!cluster) return cluster;
  if (!c.ctx.engine().has_cluster(*cluster)) return unexpected(app_error(400, "Unknown cluster id"));
  return cluster;
}

bool knows_node(const core::Engine& engine, int32_t cluster_id, int32_t node_id) {
  if (node_id == engine.my_id()) return true;
  for (const auto& cv : engine.list())
    if (cv.cluster_id == cluster_id)
      return std::any_of(cv.nodes.begin(), cv.nodes.end(),
                         [&](const core::NodeView& n) { return n.node_id == node_id; });
  return false;
}

// Script returns -1 / -2 / -3 as errors; the engine reports an unknown
// destination as a plain error, so it is told apart here.
MiError send_error(const core::Engine& engine, SendResult r, int32_t cluster_id,
                   std::optional<int32_t> dst) {
  switch (r) {
    case SendResult::kCurrDisabled: return app_error(503, "Local node disabled");
    case SendResult::kDestDown: return app_error(503, "Destination not reachable through any path");
    case SendResult::kSuccess:
    case SendResult::kError: break;
  }
  if (dst && !knows_node(engine, cluster_id, *dst)) return app_error(400, "Unknown node id");
  return app_error(500, "Send failed");
}

Json tag_result(const std::string& tag) {
  Json j;
  j["tag"] = tag;
  return j;
}

// Where send_req and send_rpl go, checked in positional order.
struct Target {
  int32_t cluster_id = 0;
  int32_t dst_id = 0;
  std::string msg;
};

Expected<Target, MiError> target_params(Call& c) {
  auto cluster = known_cluster(c);
  if (!cluster) return unexpected(cluster.error());
  auto dst = positive_int(c.params, "dst_id");
  if (!dst) return unexpected(dst.error());
  auto msg = c.params.get_string("msg");
  if (!msg) return unexpected(msg.error());
  return Target{*cluster, *dst, std::move(*msg)};
}

std::optional<MiError> send_to(Call& c, const Target& t, bool request, const std::string& tag) {
  core::Engine& engine = c.ctx.engine();
  const SendResult r = engine.send_generic(c.ctx.now(), t.cluster_id, t.dst_id, request, tag, t.msg);
  if (r == SendResult::kSuccess) return std::nullopt;
  return send_error(engine, r, t.cluster_id, t.dst_id);
}

Result cluster_send_req(Call& c) {
  auto target = target_params(c);
  if (!target) return unexpected(target.error());
  const std::string tag = c.ctx.new_tag(target->cluster_id);
  if (auto err = send_to(c, *target, true, tag)) return unexpected(std::move(*err));
  return tag_result(tag);
}

Result cluster_send_rpl(Call& c) {
  auto target = target_params(c);
  if (!target) return unexpected(target.error());
  auto tag = c.params.get_string("tag");
  if (!tag) return unexpected(tag.error());
  // The script function refuses an empty tag too (returns -1).
  if (tag->empty()) return unexpected(app_error(400, "Empty tag"));
  if (auto err = send_to(c, *target, false, *tag)) return unexpected(std::move(*err));
  return ok();
}

Result cluster_broadcast_req(Call& c) {
  auto cluster = known_cluster(c);
  if (!cluster) return unexpected(cluster.error());
  auto msg = c.params.get_string("msg");
  if (!msg) return unexpected(msg.error());
  bool include_self = false;
  if (c.params.has("include_self")) {
    auto v = c.params.get_int("include_self");
    if (!v) return unexpected(v.error());
    include_self = *v != 0;
  }
  const std::string tag = c.ctx.new_tag(*cluster);
  core::Engine& engine = c.ctx.engine();
  const SendResult r = engine.broadcast_generic(c.ctx.now(), *cluster, tag, *msg, include_self);
  if (r != SendResult::kSuccess) return unexpected(send_error(engine, r, *cluster, std::nullopt));
  return tag_result(tag);
}

Expected<core::AddrType, MiError> addr_type_param(const Params& p) {
  if (!p.has("addr_type")) return core::AddrType::kSip;
  auto s = p.get_string("addr_type");
  if (!s) return unexpected(s.error());
  if (iequals(*s, "sip")) return core::AddrType::kSip;
  if (iequals(*s, "bin")) return core::AddrType::kBin;
  return unexpected(bad_value("addr_type"));
}

Result cluster_check_addr(Call& c) {
  auto cluster = known_cluster(c);
  if (!cluster) return unexpected(cluster.error());
  auto ip = c.params.get_string("ip");
  if (!ip) return unexpected(ip.error());
  auto type = addr_type_param(c.params);
  if (!type) return unexpected(type.error());
  Json j;
  j["match"] = c.ctx.engine().check_addr(*cluster, *ip, *type);
  return j;
}

// Validates the event names; the transport does the streaming.
Result subscribe(Call& c) {
  std::vector<std::string> names;
  if (c.params.has("events")) {
    auto array = c.params.get_array("events");
    if (!array) return unexpected(array.error());
    auto strings = array_strings(**array, "events");
    if (!strings) return unexpected(strings.error());
    names = std::move(*strings);
  }
  for (const auto& n : names)
    if (std::find(kPublishedEvents.begin(), kPublishedEvents.end(), n) == kPublishedEvents.end())
      return unexpected(app_error(400, "Unknown event '" + n + "'"));
  if (names.empty()) names.assign(kPublishedEvents.begin(), kPublishedEvents.end());
  Json events = Json::array();
  for (const auto& n : names)
    if (std::find(events.begin(), events.end(), n) == events.end()) events.push_back(n);
  Json j;
  j["events"] = std::move(events);
  return j;
}

// ---------------------------------------------------------------- declarations

Param dst_id_param() { return Param{"dst_id", ParamType::kInt, "destination node id"}; }
Param msg_param() { return Param{"msg", ParamType::kString, "message text"}; }

void add_generic_messages(Registry& r) {
  r.add(Command{
      .name = "cluster_send_req",
      .help = "sends a request-like generic message to a node; returns its tag",
      .module = "clusterer",
      .params = {cluster_id_param(), dst_id_param(), msg_param()},
      .recipes = {{"cluster_id", "dst_id", "msg"}},
      .cli_name = "send_req",
      .handler = cluster_send_req,
  });
  r.add(Command{
      .name = "cluster_send_rpl",
      .help = "sends a reply-like generic message with the tag of a request",
      .module = "clusterer",
      .params = {cluster_id_param(), dst_id_param(), msg_param(),
                 {"tag", ParamType::kString, "tag of the request answered"}},
      .recipes = {{"cluster_id", "dst_id", "msg", "tag"}},
      .cli_name = "send_rpl",
      .handler = cluster_send_rpl,
  });
  r.add(Command{
      .name = "cluster_broadcast_req",
      .help = "broadcasts a request-like generic message to a cluster; returns its tag",
      .module = "clusterer",
      .params = {cluster_id_param(), msg_param(),
                 {"include_self", ParamType::kInt, "non-zero: also raise the event locally", {"0", "1"}}},
      .recipes = {{"cluster_id", "msg"}, {"cluster_id", "msg", "include_self"}},
      .cli_name = "broadcast_req",
      .handler = cluster_broadcast_req,
  });
}

void add_checks_and_events(Registry& r) {
  r.add(Command{
      .name = "cluster_check_addr",
      .help = "checks whether an address belongs to another node of a cluster",
      .module = "clusterer",
      .params = {cluster_id_param(),
                 {"ip", ParamType::kString, "IP address to look for"},
                 {"addr_type", ParamType::kString, "sip (default) or bin", {"sip", "bin"}}},
      .recipes = {{"cluster_id", "ip"}, {"cluster_id", "ip", "addr_type"}},
      .cli_name = "check_addr",
      .handler = cluster_check_addr,
  });
  r.add(Command{
      .name = "subscribe",
      .help = "streams clusterer events (all, or the ones named) on this connection",
      .module = "clusterer",
      .params = {{"events", ParamType::kArray, "event names, e.g. E_CLUSTERER_NODE_STATE_CHANGED"}},
      .recipes = {{}, {"events"}},
      .cli_name = "events",
      .cli_aliases = {"subscribe"},
      .streaming = true,
      .handler = subscribe,
  });
}

}  // namespace

void add_script_commands(Registry& r) {
  add_generic_messages(r);
  add_checks_and_events(r);
}

}  // namespace lc::mi
