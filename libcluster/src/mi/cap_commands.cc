// Capability MI commands: clusterer_list_cap and clusterer_set_cap_status
// as OpenSIPS 3.6 answers them (mi.md §2.8, §2.9), clusterer_sync (ours, the
// runtime resync of OpenSIPS's per-module *_cluster_sync commands), and the
// `cap:<name>` status/report identifiers (mi.md §6).
#include "cap_commands.h"

#include "commands.h"
#include "libcluster/mi/context.h"

namespace lc::mi {

namespace {

Json cap_json(const core::CapabilityView& cap) {
  Json j;
  j["name"] = cap.name;
  // Pending and in-progress show as "not synced" too (§3.3).
  j["state"] = cap.ok ? "Ok" : "not synced";
  j["enabled"] = cap.enabled ? "yes" : "no";
  return j;
}

Result clusterer_list_cap(Call& c) {
  Json clusters = Json::array();
  for (const auto& cv : c.ctx.engine().list_caps()) {
    Json caps = Json::array();
    for (const auto& cap : cv.caps) caps.push_back(cap_json(cap));
    Json j;
    j["cluster_id"] = cv.cluster_id;
    j["Capabilities"] = std::move(caps);
    clusters.push_back(std::move(j));
  }
  Json out;
  out["Clusters"] = std::move(clusters);
  return out;
}

Result cap_error(core::CapResult r) {
  switch (r) {
    case core::CapResult::kOk: return ok();
    case core::CapResult::kUnknownCluster:
      return unexpected(app_error(404, "Cluster id not found"));
    case core::CapResult::kUnknownCapability:
      return unexpected(app_error(404, "Capability not found"));
  }
  return unexpected(app_error(500, "Internal error"));
}

Result clusterer_set_cap_status(Call& c) {
  auto cluster = positive_int(c.params, "cluster_id");
  if (!cluster) return unexpected(cluster.error());
  auto cap = c.params.get_string("capability");
  if (!cap) return unexpected(cap.error());
  auto status = c.params.get_int("status");
  if (!status) return unexpected(status.error());
  if (*status != 0 && *status != 1) return unexpected(bad_value("status"));
  return cap_error(c.ctx.engine().set_cap_status(c.ctx.now(), *cluster, *cap, *status == 1));
}

// Ours. OpenSIPS's dlg_cluster_sync and the like answer "OK" whatever
// request_sync did; we do too, except for a disabled capability, where the
// request does nothing and the operator should know.
Result clusterer_sync(Call& c) {
  core::Engine& engine = c.ctx.engine();
  auto cluster = positive_int(c.params, "cluster_id");
  if (!cluster) return unexpected(cluster.error());
  auto cap = c.params.get_string("capability");
  if (!cap) return unexpected(cap.error());
  if (!engine.has_cluster(*cluster)) return cap_error(core::CapResult::kUnknownCluster);
  if (!engine.capability(*cluster, *cap)) return cap_error(core::CapResult::kUnknownCapability);
  switch (engine.request_sync(c.ctx.now(), *cluster, *cap)) {
    case core::SyncRequest::kDisabled: return unexpected(app_error(400, "Capability disabled"));
    case core::SyncRequest::kUnknown:
      return unexpected(app_error(500, "Failed to send sync request"));
    default: return ok();
  }
}

Param capability_param() {
  return Param{"capability", ParamType::kString, "capability name, e.g. dialog-dlg-repl"};
}

}  // namespace

std::vector<SrIdentifier> cap_identifiers(Context& ctx) {
  std::vector<SrIdentifier> out;
  for (const auto& name : ctx.engine().capability_names()) {
    out.push_back(SrIdentifier{
        "cap:" + name,
        [name](Context& c) {
          auto cap = c.engine().capability_named(name);
          // Gone since the listing (a reload): not synced.
          const core::CapStatus s = cap ? cap->status : core::CapStatus::kNotSynced;
          return SrState{static_cast<int32_t>(s), std::string(core::cap_status_details(s))};
        },
        [name](Context& c) { return c.engine().capability_reports(name); },
    });
  }
  return out;
}

void add_cap_commands(Registry& r) {
  r.add(Command{
      .name = "clusterer_list_cap",
      .help = "lists registered capabilities and their states",
      .module = "clusterer",
      .recipes = {{}},
      .cli_name = "list_cap",
      .handler = clusterer_list_cap,
  });
  r.add(Command{
      .name = "clusterer_set_cap_status",
      .help = "sets the status for a capability",
      .module = "clusterer",
      .params = {cluster_id_param(),
                 capability_param(),
                 {"status", ParamType::kInt, "1 to enable, 0 to disable", {"0", "1"}}},
      .recipes = {{"cluster_id", "capability", "status"}},
      .cli_name = "set_cap_status",
      .handler = clusterer_set_cap_status,
  });
  r.add(Command{
      .name = "clusterer_sync",
      .help = "requests a full sync of a capability's data from a donor node",
      .module = "clusterer",
      .params = {cluster_id_param(), capability_param()},
      .recipes = {{"cluster_id", "capability"}},
      .cli_name = "sync",
      .handler = clusterer_sync,
  });
}

}  // namespace lc::mi
