#include "node/config_nodes.h"

#include <algorithm>
#include <map>
#include <optional>

#include "node/config_addr.h"
#include "node/config_values.h"

namespace lc::node::detail {

namespace {

constexpr std::string_view kLocalKey = "my_node_info";
constexpr std::string_view kNeighborKey = "neighbor_node_info";

using Properties = std::map<std::string, std::string, std::less<>>;

// The properties an entry may set (schema.md §6), in the order
// format_node_spec writes them.
std::vector<std::string> accepted_names(const store::TableNames& c) {
  return {c.cluster_id, c.node_id, c.url, c.priority, c.no_ping_retries, c.sip_addr, c.flags};
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string unknown_property(const std::string& key, const store::TableNames& c) {
  if (key == c.id || key == c.state || key == c.description)
    return "\"" + key + "\" cannot be set here: a node given in the configuration is enabled, " +
           "with no description and no row id";
  return "unknown property \"" + key + "\" (accepted: " + join(accepted_names(c)) + ")";
}

// OpenSIPS finds each property by a substring search, so an empty segment
// ("a=1,,b=2" or a trailing comma) is harmless there; it is skipped here.
Expected<Properties, std::string> split_properties(std::string_view text, const store::TableNames& cols) {
  const auto accepted = accepted_names(cols);
  Properties props;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (trim(part).empty()) continue;
    auto eq = part.find('=');
    std::string key(trim(part.substr(0, eq)));
    if (eq == std::string_view::npos) return unexpected("expected '=' after " + key);
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end())
      return unexpected(unknown_property(key, cols));
    std::string_view value = trim(part.substr(eq + 1));
    if (value.empty()) return unexpected(key + " value expected");
    if (!props.emplace(key, value).second) return unexpected(key + " is given twice");
  }
  return props;
}

// An unsigned decimal property of at least `min`, or `fallback` if absent.
Expected<int32_t, std::string> int_property(const Properties& props, const std::string& name,
                                            int32_t fallback, int32_t min) {
  auto it = props.find(name);
  if (it == props.end()) return fallback;
  auto v = parse_unsigned(it->second);
  if (!v)
    return unexpected("bad value for " + name + " \"" + it->second +
                      "\" (unsigned decimal integer expected)");
  if (*v < min) return unexpected(name + " must be >= " + std::to_string(min));
  return *v;
}

std::string text_property(const Properties& props, const std::string& name) {
  auto it = props.find(name);
  return it == props.end() ? std::string() : it->second;
}

std::optional<std::string> check_required(const Properties& props, NodeRole role,
                                          const store::TableNames& c) {
  bool has_all = props.contains(c.cluster_id) && props.contains(c.url) &&
                 (role == NodeRole::kLocal || props.contains(c.node_id));
  if (has_all) return std::nullopt;
  if (role == NodeRole::kLocal)
    return "at least " + c.cluster_id + " and " + c.url + " are required for the local node";
  return "at least " + c.cluster_id + ", " + c.node_id + " and " + c.url +
         " are required for a neighbor node";
}

// Reads the integer properties into `spec`; an error text on failure.
std::optional<std::string> read_ints(const Properties& props, const store::TableNames& c,
                                     NodeSpec& spec) {
  struct Field {
    const std::string& name;
    int32_t& target;
    int32_t fallback;
    int32_t min;
  };
  const Field fields[] = {
      {c.cluster_id, spec.cluster_id, 0, 1},
      {c.node_id, spec.info.node_id, 0, 1},
      // 3, not the DB's 50: OpenSIPS fills the retries default here (topology.md §1).
      {c.priority, spec.info.priority, core::kDefaultScriptPriority, 0},
      {c.no_ping_retries, spec.info.no_ping_retries, core::kDefaultNoPingRetries, 0},
  };
  for (const auto& f : fields) {
    auto v = int_property(props, f.name, f.fallback, f.min);
    if (!v) return v.error();
    f.target = *v;
  }
  return std::nullopt;
}

core::ClusterSpec* find_cluster(std::vector<core::ClusterSpec>& clusters, int32_t id) {
  auto it = std::find_if(clusters.begin(), clusters.end(),
                         [id](const core::ClusterSpec& c) { return c.cluster_id == id; });
  return it == clusters.end() ? nullptr : &*it;
}

std::string socket_list(const std::vector<Listener>& listeners) {
  std::vector<std::string> names;
  for (const auto& l : listeners) names.push_back(format_listener(l));
  return join(names);
}

// OpenSIPS refuses a local URL that is not one of its own BIN listeners
// ("non-local socket"): peers would connect to somebody else.
std::optional<std::string> check_local_url(const std::string& text,
                                           const std::vector<Listener>& listeners) {
  auto url = parse_node_url(text);
  if (url && listens_on(listeners, *url)) return std::nullopt;
  if (url && !is_ip_literal(url->host))
    return "url host \"" + url->host + "\" must be the IP address of a socket listener";
  return "url " + text + " is not one of the socket listeners (" + socket_list(listeners) + ")";
}

std::optional<ConfigError> add_local(std::vector<core::ClusterSpec>& clusters,
                                     const std::string& text, int32_t my_node_id,
                                     const store::TableNames& cols,
                                     const std::vector<Listener>& listeners) {
  auto spec = parse_node_spec(text, NodeRole::kLocal, cols);
  if (!spec) return key_error(kLocalKey, text, spec.error());
  if (spec->info.node_id != 0 && spec->info.node_id != my_node_id)
    return key_error(kLocalKey, text,
                     cols.node_id + " " + std::to_string(spec->info.node_id) +
                         " differs from my_node_id " + std::to_string(my_node_id));
  if (auto problem = check_local_url(spec->info.url, listeners))
    return key_error(kLocalKey, text, *problem);
  if (find_cluster(clusters, spec->cluster_id))
    return key_error(kLocalKey, text,
                     "cluster " + std::to_string(spec->cluster_id) + " already has a my_node_info");
  core::ClusterSpec cluster;
  cluster.cluster_id = spec->cluster_id;
  cluster.local = spec->info;
  cluster.local.node_id = my_node_id;
  clusters.push_back(std::move(cluster));
  return std::nullopt;
}

std::optional<ConfigError> add_neighbor(std::vector<core::ClusterSpec>& clusters,
                                        const std::string& text, int32_t my_node_id,
                                        const store::TableNames& cols) {
  auto spec = parse_node_spec(text, NodeRole::kNeighbor, cols);
  if (!spec) return key_error(kNeighborKey, text, spec.error());
  const std::string cid = std::to_string(spec->cluster_id);
  const std::string nid = std::to_string(spec->info.node_id);
  core::ClusterSpec* cluster = find_cluster(clusters, spec->cluster_id);
  if (!cluster)
    return key_error(
        kNeighborKey, text,
        "cluster " + cid + " has no my_node_info (the local node must be in the cluster)");
  if (spec->info.node_id == my_node_id)
    return key_error(kNeighborKey, text, "node " + nid + " is the local node (my_node_id)");
  for (const auto& n : cluster->nodes)
    if (n.node_id == spec->info.node_id)
      return key_error(
          kNeighborKey, text,
          "duplicate node id: node " + nid + " of cluster " + cid + " is already defined");
  cluster->nodes.push_back(spec->info);
  return std::nullopt;
}

}  // namespace

Expected<NodeSpec, std::string> parse_node_spec(std::string_view text, NodeRole role,
                                                const store::TableNames& cols) {
  auto props = split_properties(text, cols);
  if (!props) return unexpected(props.error());
  if (auto missing = check_required(*props, role, cols)) return unexpected(*missing);
  NodeSpec spec;
  if (auto bad = read_ints(*props, cols, spec)) return unexpected(*bad);
  spec.info.url = text_property(*props, cols.url);
  if (auto url = parse_node_url(spec.info.url); !url)
    return unexpected("bad " + cols.url + " \"" + spec.info.url + "\": " + url.error());
  spec.info.sip_addr = text_property(*props, cols.sip_addr);
  spec.info.flags = text_property(*props, cols.flags);
  return spec;
}

std::string format_node_spec(int32_t cluster_id, const core::NodeInfo& info,
                             const store::TableNames& cols) {
  std::string out = cols.cluster_id + "=" + std::to_string(cluster_id) + "," + cols.node_id + "=" +
                    std::to_string(info.node_id) + "," + cols.url + "=" + info.url + "," +
                    cols.priority + "=" + std::to_string(info.priority) + "," +
                    cols.no_ping_retries + "=" + std::to_string(info.no_ping_retries);
  if (!info.sip_addr.empty()) out += "," + cols.sip_addr + "=" + info.sip_addr;
  if (!info.flags.empty()) out += "," + cols.flags + "=" + info.flags;
  return out;
}

Expected<std::vector<core::ClusterSpec>, ConfigError> build_clusters(
    const std::vector<std::string>& my_node_info,
    const std::vector<std::string>& neighbor_node_info, int32_t my_node_id, const store::TableNames& cols,
    const std::vector<Listener>& listeners) {
  std::vector<core::ClusterSpec> clusters;
  for (const auto& text : my_node_info)
    if (auto err = add_local(clusters, text, my_node_id, cols, listeners)) return unexpected(*err);
  for (const auto& text : neighbor_node_info)
    if (auto err = add_neighbor(clusters, text, my_node_id, cols)) return unexpected(*err);
  return clusters;
}

}  // namespace lc::node::detail
