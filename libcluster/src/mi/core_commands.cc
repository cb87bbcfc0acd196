// OpenSIPS core MI commands a clusterer node needs: which, help,
// get_statistics (mi.md §7) and the status/report commands (mi.md §6.2).
#include "commands.h"

namespace lc::mi {

namespace {

// ---------------------------------------------------------------- which, help

Result which(Call& c) {
  Json out = Json::array();
  if (!c.params.has("command")) {
    for (const auto& cmd : c.registry.commands()) out.push_back(cmd.name);
    return out;
  }
  auto name = c.params.get_string("command");
  if (!name) return unexpected(name.error());
  const Command* cmd = c.registry.find(*name);
  if (!cmd) return unexpected(app_error(404, "unknown MI command"));
  for (const auto& recipe : cmd->recipes) out.push_back(Json(recipe));
  return out;
}

Result help(Call& c) {
  if (!c.params.has("mi_cmd")) return Json("Usage: help mi_cmd - returns information about 'mi_cmd'");
  auto name = c.params.get_string("mi_cmd");
  if (!name) return unexpected(name.error());
  const Command* cmd = c.registry.find(*name);
  if (!cmd) return unexpected(app_error(404, "unknown MI command"));
  Json out;
  out["Help"] = cmd->help.empty() ? "not available for this command" : cmd->help;
  if (!cmd->module.empty()) out["Exported by"] = cmd->module;
  return out;
}

// ---------------------------------------------------------------- get_statistics

struct StatGroup {
  std::string name;
  std::vector<std::pair<std::string, int64_t>> stats;
};

// Computed on read, like OpenSIPS's function statistics.
std::vector<StatGroup> stat_groups(Context& ctx) {
  if (!ctx.enable_stats()) return {};
  const core::Stats s = ctx.engine().stats();
  return {StatGroup{"clusterer",
                    {{"clusterer_nodes", s.nodes},
                     {"clusterer_nodes_up", s.nodes_up},
                     {"clusterer_nodes_down", s.nodes_down()}}}};
}

// "all", "<group>:", "<stat>" (any group) or, beyond OpenSIPS, "<group>:<stat>".
bool stat_matches(std::string_view query, std::string_view group, std::string_view stat) {
  if (query == "all") return true;
  if (query.size() > 1 && query.back() == ':') return iequals(query.substr(0, query.size() - 1), group);
  const auto colon = query.find(':');
  if (colon == std::string_view::npos) return iequals(query, stat);
  return iequals(query.substr(0, colon), group) && iequals(query.substr(colon + 1), stat);
}

bool add_matching(Json& out, const std::vector<StatGroup>& groups, std::string_view query) {
  bool found = false;
  for (const auto& g : groups)
    for (const auto& [name, value] : g.stats)
      if (stat_matches(query, g.name, name)) {
        out[g.name + ":" + name] = value;
        found = true;
      }
  return found;
}

Result get_statistics(Call& c) {
  auto array = c.params.get_array("statistics");
  if (!array) return unexpected(array.error());
  if ((*array)->empty()) return unexpected(invalid_params("Empty array in parameter 'statistics'"));
  auto queries = array_strings(**array, "statistics");
  if (!queries) return unexpected(queries.error());
  const auto groups = stat_groups(c.ctx);
  Json out = Json::object();
  bool found = false;
  for (const auto& q : *queries) found = add_matching(out, groups, q) || found;
  if (!found) return unexpected(app_error(404, "Statistics Not Found"));
  return out;
}

// ---------------------------------------------------------------- status/report

Json status_json(const SrState& s, const std::string* name) {
  Json j;
  if (name) j["Name"] = *name;
  j["Readiness"] = s.status >= 0;
  j["Status"] = s.status;
  if (s.details) j["Details"] = *s.details;
  return j;
}

Json reports_json(Context& ctx, const SrIdentifier& id) {
  Json out = Json::array();
  for (const auto& r : id.reports(ctx)) {
    Json j;
    j["Timestamp"] = r.timestamp_s;
    j["Date"] = ctime_text(r.timestamp_s);
    j["Log"] = r.log;
    out.push_back(std::move(j));
  }
  return out;
}

// The optional "group" param: nothing when absent, 404 when unknown.
Expected<const SrGroup*, MiError> group_param(Call& c) {
  if (!c.params.has("group")) return static_cast<const SrGroup*>(nullptr);
  auto name = c.params.get_string("group");
  if (!name) return unexpected(name.error());
  const SrGroup* g = c.registry.status_reports().group(*name);
  if (!g) return unexpected(app_error(404, "Group not found"));
  return g;
}

// Status 1 when every identifier is ready, -1 otherwise.
Json aggregated_status(Context& ctx, const SrGroup& g) {
  int32_t status = 1;
  for (const auto& id : g.all(ctx))
    if (id.state(ctx).status < 0) status = -1;
  return status_json(SrState{status, "aggregated"}, nullptr);
}

Result sr_get_status(Call& c) {
  auto g = group_param(c);
  if (!g) return unexpected(g.error());
  // Without an identifier OpenSIPS looks up "main", which the group lacks.
  std::string name = "main";
  if (c.params.has("identifier")) {
    auto id = c.params.get_string("identifier");
    if (!id) return unexpected(id.error());
    name = std::move(*id);
  }
  if (iequals(name, "all")) return aggregated_status(c.ctx, **g);
  auto id = StatusReports::identifier(c.ctx, **g, name);
  if (!id) return unexpected(app_error(404, "Identity not found"));
  return status_json(id->state(c.ctx), nullptr);
}

Json group_statuses(Context& ctx, const SrGroup& g) {
  Json out = Json::array();
  for (const auto& id : g.all(ctx)) out.push_back(status_json(id.state(ctx), &id.name));
  return out;
}

Result sr_list_status(Call& c) {
  auto g = group_param(c);
  if (!g) return unexpected(g.error());
  if (*g) return group_statuses(c.ctx, **g);
  Json out = Json::array();
  for (const auto& group : c.registry.status_reports().groups()) {
    Json j;
    j["Name"] = group.name;
    j["Identifiers"] = group_statuses(c.ctx, group);
    out.push_back(std::move(j));
  }
  return out;
}

Json group_reports(Context& ctx, const SrGroup& g) {
  Json out = Json::array();
  for (const auto& id : g.all(ctx)) {
    Json j;
    j["Name"] = id.name;
    j["Reports"] = reports_json(ctx, id);
    out.push_back(std::move(j));
  }
  return out;
}

Result sr_list_reports(Call& c) {
  auto g = group_param(c);
  if (!g) return unexpected(g.error());
  if (*g && c.params.has("identifier")) {
    auto name = c.params.get_string("identifier");
    if (!name) return unexpected(name.error());
    auto id = StatusReports::identifier(c.ctx, **g, *name);
    if (!id) return unexpected(app_error(404, "Identifier not found"));
    return reports_json(c.ctx, *id);
  }
  if (*g) return group_reports(c.ctx, **g);
  Json out = Json::array();
  for (const auto& group : c.registry.status_reports().groups()) {
    Json j;
    j["Name"] = group.name;
    j["Identifiers"] = group_reports(c.ctx, group);
    out.push_back(std::move(j));
  }
  return out;
}

Json group_identifiers(Context& ctx, const SrGroup& g) {
  Json j;
  j["Group"] = g.name;
  j["Identifiers"] = Json::array();
  for (const auto& id : g.all(ctx)) j["Identifiers"].push_back(id.name);
  return j;
}

Result sr_list_identifiers(Call& c) {
  auto g = group_param(c);
  if (!g) return unexpected(g.error());
  if (*g) return group_identifiers(c.ctx, **g);
  Json out = Json::array();
  for (const auto& group : c.registry.status_reports().groups())
    out.push_back(group_identifiers(c.ctx, group));
  return out;
}

// ---------------------------------------------------------------- log_level

// OpenSIPS's log levels: -3 alert ... 4 debug (0 is not one of them).
constexpr int kMinLogLevel = -3;
constexpr int kMaxLogLevel = 4;

// Without parameters: the processes and their levels (one process here).
// With a level: sets it for the process (all of them, in OpenSIPS's
// words); with a pid as well, only if it is ours.
Result log_level(Call& c) {
  if (!c.params.has("level")) {
    Json proc;
    proc["PID"] = c.ctx.process_id();
    proc["Log level"] = c.ctx.log_level();
    proc["Type"] = "clusterd";
    Json j;
    j["Processes"] = Json::array({proc});
    return j;
  }
  auto level = c.params.get_int("level");
  if (!level) return unexpected(level.error());
  if (*level < kMinLogLevel || *level > kMaxLogLevel || *level == 0)
    return unexpected(app_error(400, "Bad log level"));
  Json j;
  if (c.params.has("pid")) {
    auto pid = c.params.get_int("pid");
    if (!pid) return unexpected(pid.error());
    if (*pid != c.ctx.process_id()) return unexpected(app_error(404, "Process not found"));
    c.ctx.set_log_level(static_cast<int>(*level));
    j["Log level"] = *level;
    return j;
  }
  c.ctx.set_log_level(static_cast<int>(*level));
  j["New global log level"] = *level;
  return j;
}

Param group_param_decl() {
  return Param{"group", ParamType::kString, "status/report group, e.g. clusterer"};
}
Param identifier_param_decl() {
  return Param{"identifier", ParamType::kString, "identifier in the group, e.g. node_states"};
}

void add_introspection(Registry& r) {
  r.add(Command{
      .name = "which",
      .help = "lists all available MI commands",
      .module = "core",
      .params = {{"command", ParamType::kString, "MI command whose parameter sets to list"}},
      .recipes = {{}, {"command"}},
      .cli_name = "which",
      .handler = which,
  });
  r.add(Command{
      .name = "help",
      .help = "prints information about MI commands usage",
      .module = "core",
      .params = {{"mi_cmd", ParamType::kString, "MI command to describe"}},
      .recipes = {{}, {"mi_cmd"}},
      .cli_name = "help",
      .handler = help,
  });
  r.add(Command{
      .name = "get_statistics",
      .help = "prints the statistics (all, group or one) realtime values.",
      .module = "statistics",
      .params = {{"statistics", ParamType::kArray,
                  "statistics: all, a group such as clusterer:, or names"}},
      .recipes = {{"statistics"}},
      .cli_name = "stats",
      .cli_aliases = {"get_statistics"},
      .handler = get_statistics,
  });
}

void add_log_level(Registry& r) {
  r.add(Command{
      .name = "log_level",
      .help = "gets or sets the logging level of the node",
      .module = "core",
      .params = {{"level", ParamType::kInt,
                  "-3 alert, -2 critical, -1 error, 1 warning, 2 notice, 3 info, 4 debug"},
                 {"pid", ParamType::kInt, "process id (this node's)"}},
      .recipes = {{}, {"level"}, {"level", "pid"}},
      .cli_name = "log_level",
      .handler = log_level,
  });
}

void add_status_report(Registry& r) {
  r.add(Command{
      .name = "sr_get_status",
      .help = "gets the status (only) of a 'status-report' group/identifier",
      .module = "core",
      .params = {group_param_decl(), identifier_param_decl()},
      .recipes = {{"group"}, {"group", "identifier"}},
      .cli_name = "status",
      .cli_aliases = {"sr_get_status"},
      .handler = sr_get_status,
  });
  r.add(Command{
      .name = "sr_list_status",
      .help = "list the status of all the identifiers in OpenSIPS or from a certain "
              "'status-report' group",
      .module = "core",
      .params = {group_param_decl()},
      .recipes = {{}, {"group"}},
      .cli_name = "sr_list_status",
      .handler = sr_list_status,
  });
  r.add(Command{
      .name = "sr_list_reports",
      .help = "list the reports produced by some 'status-report' identifiers / groups",
      .module = "core",
      .params = {group_param_decl(), identifier_param_decl()},
      .recipes = {{}, {"group"}, {"group", "identifier"}},
      .cli_name = "reports",
      .cli_aliases = {"sr_list_reports"},
      .handler = sr_list_reports,
  });
  r.add(Command{
      .name = "sr_list_identifiers",
      .help = "list the identifiers from a group or all",
      .module = "core",
      .params = {group_param_decl()},
      .recipes = {{}, {"group"}},
      .cli_name = "sr_list_identifiers",
      .handler = sr_list_identifiers,
  });
}

}  // namespace

void add_core_commands(Registry& r) {
  add_introspection(r);
  add_status_report(r);
  add_log_level(r);
}

}  // namespace lc::mi
