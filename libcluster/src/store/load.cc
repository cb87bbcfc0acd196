// The clusterer-table load rules of schema.md §2 and §4.1.
#include "libcluster/store/load.h"

#include <cassert>
#include <limits>
#include <map>
#include <set>
#include <utility>

namespace lc::store {
namespace {

Error invalid(std::string message) { return Error{ErrorCode::kInvalid, std::move(message)}; }

std::string row_name(const Row& r) {
  return "row id " + std::to_string(r.id) + " (cluster " + std::to_string(r.cluster_id) +
         ", node " + std::to_string(r.node_id) + ")";
}

bool fits_int32(int64_t v) {
  return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
}

// "udp" for "udp:1.2.3.4:5060": a URL whose first part names a protocol.
std::optional<std::string> url_protocol(const std::string& url) {
  auto colon = url.find(':');
  if (colon == std::string::npos || url.find(':', colon + 1) == std::string::npos) return {};
  std::string proto = url.substr(0, colon);
  if (proto.empty() || proto.find_first_of("[.") != std::string::npos) return {};
  return proto;
}

// What is wrong with a row, whoever it describes; nothing when usable.
std::optional<std::string> row_problem(const Row& r) {
  if (r.cluster_id < 1 || !fits_int32(r.cluster_id))
    return "cluster_id " + std::to_string(r.cluster_id) + " is not in 1..2147483647";
  if (r.node_id < 1 || !fits_int32(r.node_id))
    return "node_id " + std::to_string(r.node_id) + " is not in 1..2147483647";
  if (r.no_ping_retries < 0 || !fits_int32(r.no_ping_retries))
    return "no_ping_retries " + std::to_string(r.no_ping_retries) + " is not in 0..2147483647";
  if (!fits_int32(r.priority)) return "priority " + std::to_string(r.priority) + " is out of range";
  if (r.url.empty()) return std::string("Bad URL! (empty)");
  if (auto proto = url_protocol(r.url); proto && *proto != "bin" && *proto != "bins")
    return "Clusterer currently supports only BIN/BINS protocols, but node: " +
           std::to_string(r.node_id) + " has proto=" + *proto;
  if (!core::parse_bin_url(r.url)) return "Bad URL! '" + r.url + "'";
  return std::nullopt;
}

core::NodeInfo node_info(const Row& r) {
  core::NodeInfo n;
  n.node_id = static_cast<int32_t>(r.node_id);
  n.url = r.url;
  n.enabled = r.state != 0;
  n.priority = static_cast<int32_t>(r.priority);
  n.no_ping_retries = static_cast<int32_t>(r.no_ping_retries);
  n.sip_addr = r.sip_addr.value_or("");
  n.flags = r.flags.value_or("");
  n.description = r.description.value_or("");
  n.db_id = r.id;
  return n;
}

bool is_seed(const core::NodeInfo& n) { return n.flags.rfind("seed", 0) == 0; }

// Checks a local row; the load fails on any problem (schema.md §4.1).
std::optional<Error> check_local(const Row& r, const LoadHooks& hooks) {
  if (auto problem = row_problem(r))
    return invalid("Invalid info for local node: " + row_name(r) + ": " + *problem);
  auto url = core::parse_bin_url(r.url);
  assert(url);
  if (!hooks.is_local(*url))
    return invalid("Invalid info for local node: " + row_name(r) + ": non-local socket " +
                   url->host + " for this node (url '" + r.url +
                   "' is none of the node's BIN listeners)");
  return std::nullopt;
}

// Checks another node's row; a problem skips the row.
std::optional<std::string> check_remote(const Row& r, const LoadHooks& hooks) {
  if (auto problem = row_problem(r)) return problem;
  auto url = core::parse_bin_url(r.url);
  assert(url);
  if (!hooks.resolves(url->host)) return "Cannot resolve host: " + url->host;
  return std::nullopt;
}

std::vector<std::string> seed_notices(const std::vector<core::ClusterSpec>& clusters) {
  std::vector<std::string> out;
  for (const auto& spec : clusters) {
    bool seed = is_seed(spec.local);
    for (const auto& n : spec.nodes) seed = seed || is_seed(n);
    if (!seed)
      out.push_back("No seed node defined in cluster: " + std::to_string(spec.cluster_id) +
                    "! Some clustering capabilities might not be able to sync data");
  }
  return out;
}

}  // namespace

std::optional<Error> check_version(
    const Expected<std::vector<std::optional<int64_t>>, Error>& rows, const std::string& table) {
  if (!rows) return rows.error();
  if (rows->empty())
    return Error{ErrorCode::kNoSchema, "'" + table +
                                           "' record not found in 'version' table, expected ver " +
                                           std::to_string(kClustererTableVersion)};
  if (rows->size() > 1 || !rows->front())
    return Error{ErrorCode::kBadVersion,
                 "querying version for table " + table + ": " +
                     (rows->size() > 1 ? std::to_string(rows->size()) + " version rows"
                                       : std::string("the version is NULL or not an integer"))};
  if (*rows->front() != kClustererTableVersion)
    return Error{ErrorCode::kBadVersion, "invalid version " + std::to_string(*rows->front()) +
                                             " for table " + table + " found, expected " +
                                             std::to_string(kClustererTableVersion)};
  return std::nullopt;
}

Expected<Loaded, Error> build_clusters(const std::vector<Row>& rows, int32_t my_node_id,
                                       const LoadHooks& hooks) {
  assert(hooks.is_local && hooks.resolves);
  std::set<int64_t> local_clusters;
  for (const auto& r : rows)
    if (r.node_id == my_node_id) local_clusters.insert(r.cluster_id);
  if (local_clusters.empty())
    return unexpected(invalid("Current node does not belong to any cluster"));
  if (local_clusters.size() > kMaxLocalClusters)
    return unexpected(invalid("the local node belongs to " + std::to_string(local_clusters.size()) +
                              " clusters, more than the " + std::to_string(kMaxLocalClusters) +
                              " allowed"));
  if (rows.size() > kMaxLoadedRows)
    return unexpected(invalid(std::to_string(rows.size()) + " rows to load, more than the " +
                              std::to_string(kMaxLoadedRows) + " allowed"));

  Loaded out;
  std::map<int64_t, size_t> index_of;  // cluster_id -> position in out.clusters
  std::set<std::pair<int64_t, int64_t>> seen;
  for (const auto& r : rows) {
    if (!local_clusters.count(r.cluster_id)) continue;  // not a cluster of ours
    if (!seen.insert({r.cluster_id, r.node_id}).second) {
      out.warnings.push_back("skipping " + row_name(r) + ": (cluster_id, node_id) seen before");
      continue;
    }
    const bool local = r.node_id == my_node_id;
    if (local) {
      if (auto err = check_local(r, hooks)) return unexpected(std::move(*err));
    } else if (auto problem = check_remote(r, hooks)) {
      out.warnings.push_back("skipping " + row_name(r) + ": " + *problem);
      continue;
    }
    // Clusters come in order of first appearance: the engine lists them
    // newest first, as OpenSIPS's prepending does (mi.md §2.2).
    auto [it, fresh] = index_of.try_emplace(r.cluster_id, out.clusters.size());
    if (fresh)
      out.clusters.push_back(core::ClusterSpec{static_cast<int32_t>(r.cluster_id), {}, {}});
    core::ClusterSpec& spec = out.clusters[it->second];
    if (local) {
      spec.local = node_info(r);
      continue;
    }
    if (spec.nodes.size() + 1 >= kMaxNodesPerCluster)
      return unexpected(invalid("cluster " + std::to_string(r.cluster_id) + " has more than " +
                                std::to_string(kMaxNodesPerCluster) + " nodes"));
    spec.nodes.push_back(node_info(r));
  }
  out.notices = seed_notices(out.clusters);
  if (rows.size() == 1) out.notices.push_back("The local node is the only one in the cluster");
  return out;
}

Expected<Loaded, Error> load(Store& store, const std::string& table, int32_t my_node_id,
                             const LoadHooks& hooks) {
  if (auto err = check_version(store.version_rows(), table)) return unexpected(std::move(*err));
  auto rows = store.load_rows(my_node_id);
  if (!rows) return unexpected(rows.error());
  return build_clusters(*rows, my_node_id, hooks);
}

}  // namespace lc::store
