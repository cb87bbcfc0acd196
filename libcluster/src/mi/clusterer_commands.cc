// The OpenSIPS clusterer MI commands (mi.md §2) that belong to membership
// and routing; each handler checks its params in the order of its spec table.
#include "commands.h"
#include "libcluster/wire/constants.h"

namespace lc::mi {

namespace {

using core::SendResult;

// ---------------------------------------------------------------- reload, lists

void clusterer_reload(Call& c, Done done) {
  if (!c.ctx.engine().config().db_mode) return done(unexpected(app_error(400, "Non-DB mode")));
  c.ctx.reload([done = std::move(done)](std::optional<MiError> err) {
    done(err ? Result(unexpected(std::move(*err))) : ok());
  });
}

Json node_json(const core::NodeView& n) {
  Json j;
  j["node_id"] = n.node_id;
  j["db_id"] = n.db_id;
  j["url"] = n.url;
  j["link_state"] = std::string(core::link_state_label(n.link_state));
  j["state"] = n.enabled ? "enabled" : "disabled";
  j["next_hop"] = n.next_hop ? std::to_string(*n.next_hop) : "none";
  j["description"] = n.description.empty() ? "none" : n.description;
  return j;
}

Result clusterer_list(Call& c) {
  Json clusters = Json::array();
  for (const auto& cv : c.ctx.engine().list()) {
    Json nodes = Json::array();
    for (const auto& n : cv.nodes) nodes.push_back(node_json(n));
    Json j;
    j["cluster_id"] = cv.cluster_id;
    j["Nodes"] = std::move(nodes);
    clusters.push_back(std::move(j));
  }
  Json out;
  out["Clusters"] = std::move(clusters);
  return out;
}

Result clusterer_list_topology(Call& c) {
  Json clusters = Json::array();
  for (const auto& [cluster_id, entries] : c.ctx.engine().topology()) {
    Json nodes = Json::array();
    for (const auto& e : entries) {
      Json n;
      n["node_id"] = e.node_id;
      n["Neighbours"] = Json(e.neighbours);
      nodes.push_back(std::move(n));
    }
    Json j;
    j["cluster_id"] = cluster_id;
    j["Nodes"] = std::move(nodes);
    clusters.push_back(std::move(j));
  }
  Json out;
  out["Clusters"] = std::move(clusters);
  return out;
}

// ---------------------------------------------------------------- set_status, remove_node

// status: an int that must be 0 or 1.
Expected<bool, MiError> status_param(const Params& p) {
  auto s = p.get_int("status");
  if (!s) return unexpected(s.error());
  if (*s != 0 && *s != 1) return unexpected(bad_value("status"));
  return *s == 1;
}

Result clusterer_set_status(Call& c) {
  core::Engine& engine = c.ctx.engine();
  auto cluster = positive_int(c.params, "cluster_id");
  if (!cluster) return unexpected(cluster.error());
  auto node = c.params.has("node_id") ? positive_int(c.params, "node_id")
                                      : Expected<int32_t, MiError>(engine.my_id());
  if (!node) return unexpected(node.error());
  auto enabled = status_param(c.params);
  if (!enabled) return unexpected(enabled.error());
  switch (engine.set_status(c.ctx.now(), *cluster, *node, *enabled)) {
    case core::CommandResult::kOk: break;
    case core::CommandResult::kUnknownCluster:
      return unexpected(app_error(404, "Cluster id not found"));
    case core::CommandResult::kUnknownNode: return unexpected(app_error(404, "Node id not found"));
    case core::CommandResult::kNotAllowed: return unexpected(app_error(500, "Internal error"));
  }
  if (engine.config().db_mode) c.ctx.store_node_state(*cluster, *node, *enabled);
  return ok();
}

Result clusterer_remove_node(Call& c) {
  core::Engine& engine = c.ctx.engine();
  // Checked before the params, as OpenSIPS does.
  if (engine.config().db_mode) return unexpected(app_error(400, "Running in DB mode"));
  auto cluster = positive_int(c.params, "cluster_id");
  if (!cluster) return unexpected(cluster.error());
  if (!engine.has_cluster(*cluster)) return unexpected(app_error(400, "Unknown cluster id"));
  auto node = positive_int(c.params, "node_id");
  if (!node) return unexpected(node.error());
  switch (engine.remove_node(c.ctx.now(), *cluster, *node)) {
    case core::CommandResult::kOk: return ok();
    case core::CommandResult::kUnknownCluster:
      return unexpected(app_error(400, "Unknown cluster id"));
    case core::CommandResult::kUnknownNode: return unexpected(app_error(400, "Unknown node id"));
    case core::CommandResult::kNotAllowed: return unexpected(app_error(400, "Running in DB mode"));
  }
  return ok();
}

// ---------------------------------------------------------------- send_mi, broadcast_mi

// The optional cmd_params array: nothing when absent or empty.
Expected<std::optional<const Json*>, MiError> cmd_params(const Params& p) {
  if (!p.has("cmd_params")) return std::optional<const Json*>();
  auto a = p.get_array("cmd_params");
  if (!a) return unexpected(a.error());
  return (*a)->empty() ? std::optional<const Json*>() : std::optional<const Json*>(*a);
}

// What send_mi would answer for a message the engine will not encode (more
// than 10 params): OpenSIPS sends it and the destination discards it, so
// the outcome is the same as a send, without the packet.
SendResult predicted_send(const core::Engine& engine, int32_t cluster_id, int32_t dst) {
  for (const auto& cv : engine.list()) {
    if (cv.cluster_id != cluster_id) continue;
    if (!cv.local_enabled) return SendResult::kCurrDisabled;
    for (const auto& n : cv.nodes)
      if (n.node_id == dst)
        return !n.enabled || n.next_hop ? SendResult::kSuccess : SendResult::kDestDown;
    return SendResult::kError;
  }
  return SendResult::kError;
}

SendResult send_mi(Call& c, int32_t cluster_id, int32_t dst, const std::string& cmd,
                   const std::vector<std::string>& args) {
  if (args.size() <= static_cast<std::size_t>(wire::kMaxMiParams))
    return c.ctx.engine().send_mi(c.ctx.now(), cluster_id, dst, cmd, args);
  c.ctx.log(LogLevel::kWarning, "cluster_send_mi: " + cmd + " has more than 10 parameters, " +
                                    "not sent (the destination would discard it)");
  return predicted_send(c.ctx.engine(), cluster_id, dst);
}

Result send_mi_reply(SendResult r) {
  switch (r) {
    case SendResult::kSuccess: return ok();
    case SendResult::kCurrDisabled: return Json("Local node disabled");  // a result, not an error
    case SendResult::kDestDown: return unexpected(app_error(400, "Destination down"));
    case SendResult::kError: break;
  }
  return unexpected(app_error(400, "Send error"));
}

Result cluster_send_mi(Call& c) {
  auto cluster = positive_int(c.params, "cluster_id");
  if (!cluster) return unexpected(cluster.error());
  auto dst = positive_int(c.params, "destination");
  if (!dst) return unexpected(dst.error());
  if (*dst == c.ctx.engine().my_id())
    return unexpected(app_error(400, "Local node specified as destination"));
  auto cmd = c.params.get_string("cmd_name");
  if (!cmd) return unexpected(cmd.error());
  auto array = cmd_params(c.params);
  if (!array) return unexpected(array.error());
  std::vector<std::string> args;
  if (*array) {
    auto strings = array_strings(***array, "cmd_params");
    if (!strings) return unexpected(app_error(400, "Send error"));
    args = std::move(*strings);
  }
  return send_mi_reply(send_mi(c, *cluster, *dst, *cmd, args));
}

// The broadcast half of cluster_broadcast_mi: its outcome is only logged.
void broadcast_mi(Call& c, int32_t cluster_id, const std::string& cmd,
                  const std::optional<const Json*>& array) {
  std::vector<std::string> args;
  if (array) {
    auto strings = array_strings(**array, "cmd_params");
    if (!strings) {
      c.ctx.log(LogLevel::kError, "cluster_broadcast_mi: bad parameter, nothing broadcast");
      return;
    }
    args = std::move(*strings);
  }
  const SendResult r = c.ctx.engine().broadcast_mi(c.ctx.now(), cluster_id, cmd, args);
  if (r != SendResult::kSuccess)
    c.ctx.log(LogLevel::kError, "cluster_broadcast_mi: broadcast of " + cmd + " to cluster " +
                                    std::to_string(cluster_id) + " failed: " +
                                    std::string(core::send_result_name(r)));
}

// The local half: the command's own reply is the reply (asynchronous when
// the command is, e.g. clusterer_reload).
void run_locally(Call& c, const std::string& cmd, const std::optional<const Json*>& array,
                 Done done) {
  auto command = c.registry.runnable(cmd);
  if (!command) return done(unexpected(command.error()));
  std::vector<std::string> args;
  if (array) {
    auto strings = array_strings(**array, "cmd_params");
    if (!strings) return done(unexpected(strings.error()));
    args = std::move(*strings);
  }
  c.registry.run_positional_async(c.ctx, **command, args, std::move(done));
}

void cluster_broadcast_mi(Call& c, Done done) {
  auto cluster = positive_int(c.params, "cluster_id");
  if (!cluster) return done(unexpected(cluster.error()));
  auto cmd = c.params.get_string("cmd_name");
  if (!cmd) return done(unexpected(cmd.error()));
  auto array = cmd_params(c.params);
  if (!array) return done(unexpected(array.error()));
  broadcast_mi(c, *cluster, *cmd, *array);
  run_locally(c, *cmd, *array, std::move(done));
}

// ---------------------------------------------------------------- declarations

Param node_id_param(std::string help) {
  return Param{"node_id", ParamType::kInt, std::move(help)};
}

void add_lists(Registry& r) {
  r.add(Command{
      .name = "clusterer_reload",
      .help = "reloads stored data from the database",
      .module = "clusterer",
      .recipes = {{}},
      .cli_name = "reload",
      .async_handler = clusterer_reload,
  });
  r.add(Command{
      .name = "clusterer_list",
      .help = "lists the available connections for the specified server",
      .module = "clusterer",
      .recipes = {{}},
      .cli_name = "list",
      .cli_aliases = {"ls"},
      .handler = clusterer_list,
  });
  r.add(Command{
      .name = "clusterer_list_topology",
      .help = "lists the topology as known by the current node",
      .module = "clusterer",
      .recipes = {{}},
      .cli_name = "list_topology",
      .cli_aliases = {"topology"},
      .handler = clusterer_list_topology,
  });
}

void add_admin(Registry& r) {
  r.add(Command{
      .name = "clusterer_set_status",
      .help = "sets the status for a specified connection",
      .module = "clusterer",
      .params = {cluster_id_param(),
                 {"status", ParamType::kInt, "1 to enable, 0 to disable", {"0", "1"}},
                 node_id_param("node to change (default: the local node)")},
      .recipes = {{"cluster_id", "status"}, {"cluster_id", "node_id", "status"}},
      .cli_name = "set_status",
      .handler = clusterer_set_status,
  });
  r.add(Command{
      .name = "clusterer_remove_node",
      .help = "removes a node from the cluster",
      .module = "clusterer",
      .params = {cluster_id_param(), node_id_param("node to remove")},
      .recipes = {{"cluster_id", "node_id"}},
      .cli_name = "remove_node",
      .handler = clusterer_remove_node,
  });
}

Param cmd_name_param() {
  return Param{"cmd_name", ParamType::kString, "MI command to run"};
}
Param cmd_params_param() {
  return Param{"cmd_params", ParamType::kArray, "the command's parameters (at most 10)"};
}

void add_remote_mi(Registry& r) {
  r.add(Command{
      .name = "cluster_send_mi",
      .help = "sends an MI command to be run on a specific node in a cluster",
      .module = "clusterer",
      .params = {cluster_id_param(),
                 {"destination", ParamType::kInt, "node to run the command on"},
                 cmd_name_param(),
                 cmd_params_param()},
      .recipes = {{"cluster_id", "destination", "cmd_name"},
                  {"cluster_id", "destination", "cmd_name", "cmd_params"}},
      .cli_name = "send_mi",
      .handler = cluster_send_mi,
  });
  r.add(Command{
      .name = "cluster_broadcast_mi",
      .help = "dispatches an MI command to be run on all nodes in a cluster",
      .module = "clusterer",
      .params = {cluster_id_param(), cmd_name_param(), cmd_params_param()},
      .recipes = {{"cluster_id", "cmd_name"}, {"cluster_id", "cmd_name", "cmd_params"}},
      .cli_name = "broadcast_mi",
      .async_handler = cluster_broadcast_mi,
  });
}

}  // namespace

void add_clusterer_commands(Registry& r) {
  add_lists(r);
  add_admin(r);
  add_remote_mi(r);
}

}  // namespace lc::mi
