#include "cap_commands.h"
#include "commands.h"
#include "kv_commands.h"
#include "shtag_commands.h"

namespace lc::mi {

Expected<int32_t, MiError> positive_int(const Params& p, std::string_view name) {
  auto v = p.get_int(name);
  if (!v) return v;
  if (*v < 1) return unexpected(bad_value(name));
  return v;
}

Param cluster_id_param() { return Param{"cluster_id", ParamType::kInt, "cluster id"}; }

Registry make_clusterer_registry() {
  Registry r;
  // Core first, as OpenSIPS registers them before any module.
  add_core_commands(r);
  add_clusterer_commands(r);
  add_cap_commands(r);
  add_shtag_commands(r);
  add_script_commands(r);
  add_kv_commands(r);  // cache_* (kv-capability.md §4)
  r.status_reports().add_group("clusterer");
  r.status_reports().add_identifier("clusterer", node_states_identifier());
  r.status_reports().add_identifier("clusterer", sharing_tags_identifier());  // listed before
  r.status_reports().set_dynamic("clusterer", cap_identifiers);  // cap:<name>, listed first
  return r;
}

}  // namespace lc::mi
