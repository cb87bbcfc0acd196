// Sharing-tag MI commands: clusterer_list_shtags and
// clusterer_shtag_set_active as OpenSIPS 3.6 answers them (mi.md §2.10,
// §2.11), clusterer_shtag_get (ours: reads a tag without creating it, for
// `nodectl shtag get`), and the `sharing_tags` status/report identifier.
#include "shtag_commands.h"

#include <limits>

#include "libcluster/mi/context.h"

namespace lc::mi {

namespace {

// OpenSIPS's trim_spaces_lr: blanks, tabs and line ends on both sides.
std::string_view trim(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kBlanks);
  return s.substr(first, last - first + 1);
}

std::optional<int32_t> digits_to_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > std::numeric_limits<int32_t>::max()) return std::nullopt;
  }
  return static_cast<int32_t>(v);
}

Json tag_json(const core::ShtagView& t) {
  Json j;
  j["Tag"] = t.name;
  j["Cluster"] = t.cluster_id;
  j["State"] = std::string(core::shtag_state_name(t.state));
  return j;
}

Expected<TagRef, MiError> tag_param(const Params& p) {
  auto text = p.get_string("tag");
  if (!text) return unexpected(text.error());
  return parse_tag_ref(*text);
}

// An array, newest tag first; [] without tags.
Result clusterer_list_shtags(Call& c) {
  Json out = Json::array();
  for (const auto& t : c.ctx.engine().list_shtags()) out.push_back(tag_json(t));
  return out;
}

Result clusterer_shtag_set_active(Call& c) {
  auto tag = tag_param(c.params);
  if (!tag) return unexpected(tag.error());
  core::Engine& engine = c.ctx.engine();
  if (!engine.has_cluster(tag->cluster_id))
    return unexpected(app_error(404, "Cluster ID not found"));  // capital "ID", as OpenSIPS
  if (!engine.shtag_activate(c.ctx.now(), tag->name, tag->cluster_id,
                             core::ShtagReason::kMiCommand))
    return unexpected(app_error(500, "Internal failure when activating tag"));
  return ok();
}

// Ours. Unlike $cluster.sh_tag, an unknown tag is an error, not created.
Result clusterer_shtag_get(Call& c) {
  auto tag = tag_param(c.params);
  if (!tag) return unexpected(tag.error());
  auto state = c.ctx.engine().find_shtag(tag->name, tag->cluster_id);
  if (!state) return unexpected(app_error(404, "Sharing tag not found"));
  return tag_json(core::ShtagView{tag->name, tag->cluster_id, *state});
}

Param tag_param_decl() {
  return Param{"tag", ParamType::kString, "sharing tag as name/cluster_id, e.g. vip/1"};
}

}  // namespace

Expected<TagRef, MiError> parse_tag_ref(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return unexpected(app_error(400, "Bad tag format <name/cluster_id>"));
  auto cluster = digits_to_int(trim(text.substr(slash + 1)));
  if (!cluster) return unexpected(app_error(400, "Bad cluster ID in tag"));
  return TagRef{std::string(trim(text.substr(0, slash))), *cluster};
}

SrIdentifier sharing_tags_identifier() {
  return SrIdentifier{
      "sharing_tags",
      [](Context&) { return SrState{1, std::nullopt}; },
      [](Context& ctx) { return ctx.engine().sharing_tags_reports().since(0); },
  };
}

void add_shtag_commands(Registry& r) {
  r.add(Command{
      .name = "clusterer_list_shtags",
      .help = "lists the sharing tags and their states",
      .module = "clusterer",
      .recipes = {{}},
      .cli_name = "list_shtags",
      .handler = clusterer_list_shtags,
  });
  r.add(Command{
      .name = "clusterer_shtag_set_active",
      .help = "switch the status of the give sharing tag to active",  // OpenSIPS's text
      .module = "clusterer",
      .params = {tag_param_decl()},
      .recipes = {{"tag"}},
      .cli_name = "shtag_set_active",
      .handler = clusterer_shtag_set_active,
  });
  r.add(Command{
      .name = "clusterer_shtag_get",
      .help = "shows the state of a sharing tag; an unknown tag is an error, not created "
              "(libcluster)",
      .module = "clusterer",
      .params = {tag_param_decl()},
      .recipes = {{"tag"}},
      .cli_name = "shtag_get",
      .handler = clusterer_shtag_get,
  });
}

}  // namespace lc::mi
