#include "libcluster/mi/events.h"

namespace lc::mi {

namespace {

Json notification(std::string_view method, Json params) {
  Json j;
  j["jsonrpc"] = "2.0";
  j["method"] = std::string(method);
  j["params"] = std::move(params);
  return j;
}

Json node_state_params(const core::NodeStateChanged& e) {
  Json p;
  p["cluster_id"] = e.cluster_id;
  p["node_id"] = e.node_id;
  p["new_state"] = e.up ? 1 : 0;
  return p;
}

Json generic_params(const core::GenericReceived& e) {
  Json p;
  p["cluster_id"] = e.cluster_id;
  p["src_id"] = e.src_id;
  p["msg"] = e.msg;
  p["tag"] = e.tag;
  return p;
}

// mi.md §3: name, cluster, state, reason.
Json shtag_params(const core::ShtagChanged& e) {
  Json p;
  p["name"] = e.name;
  p["cluster"] = e.cluster_id;
  p["state"] = e.active ? "active" : "backup";
  p["reason"] = e.reason;
  return p;
}

// mi.md §3: group, identifier, status, details, old_status (details is
// always set for cap:<name>).
Json sr_status_params(const core::CapStatusChanged& e) {
  Json p;
  p["group"] = "clusterer";
  p["identifier"] = "cap:" + e.capability;
  p["status"] = e.status;
  p["details"] = e.details;
  p["old_status"] = e.old_status;
  return p;
}

}  // namespace

std::optional<std::string_view> event_name(const core::Event& e) {
  if (std::holds_alternative<core::NodeStateChanged>(e)) return kEventNodeStateChanged;
  if (std::holds_alternative<core::ShtagChanged>(e)) return kEventShtagChanged;
  if (std::holds_alternative<core::CapStatusChanged>(e)) return kEventSrStatusChanged;
  if (const auto* g = std::get_if<core::GenericReceived>(&e))
    return g->request ? kEventReqReceived : kEventRplReceived;
  return std::nullopt;
}

std::optional<Json> event_notification(const core::Event& e) {
  auto name = event_name(e);
  if (!name) return std::nullopt;
  if (const auto* n = std::get_if<core::NodeStateChanged>(&e))
    return notification(*name, node_state_params(*n));
  if (const auto* t = std::get_if<core::ShtagChanged>(&e))
    return notification(*name, shtag_params(*t));
  if (const auto* c = std::get_if<core::CapStatusChanged>(&e))
    return notification(*name, sr_status_params(*c));
  return notification(*name, generic_params(std::get<core::GenericReceived>(e)));
}

}  // namespace lc::mi
