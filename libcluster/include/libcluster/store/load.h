// From clusterer rows to the engine's ClusterSpecs (schema.md §2, §4.1).
// Pure: the store reads the rows, the caller supplies what needs the
// operating system (is a URL one of our listeners, does a host resolve), so
// the rules are tested without a database or a network.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "libcluster/core/types.h"
#include "libcluster/core/url.h"
#include "libcluster/expected.h"
#include "libcluster/store/store.h"

namespace lc::store {

// OpenSIPS's load limits (schema.md §5).
inline constexpr size_t kMaxLocalClusters = 64;
inline constexpr size_t kMaxLoadedRows = 128;
inline constexpr size_t kMaxNodesPerCluster = 128;

// The §2 verdict on Store::version_rows() for `table`: nothing when exactly
// one row holds version 4, else kNoSchema / kBadVersion with OpenSIPS's text
// (the caller adds how to fix it).
std::optional<Error> check_version(
    const Expected<std::vector<std::optional<int64_t>>, Error>& rows, const std::string& table);

struct LoadHooks {
  // True when `url` is one of the node's own BIN listeners.
  std::function<bool(const core::BinUrl& url)> is_local;
  // True when `host` resolves (OpenSIPS resolves remote hosts at load).
  std::function<bool(const std::string& host)> resolves;
};

struct Loaded {
  std::vector<core::ClusterSpec> clusters;  // in order of first appearance
  std::vector<std::string> warnings;        // skipped rows, each naming its id
  std::vector<std::string> notices;         // no seed in a cluster, lone node
};

// §4.1 steps 2-7 on the rows of Store::load_rows (result order). Bad rows of
// other nodes are skipped with a warning; a bad local row, no local row, or
// a limit exceeded fails the load (kInvalid, the message says why).
Expected<Loaded, Error> build_clusters(const std::vector<Row>& rows, int32_t my_node_id,
                                       const LoadHooks& hooks);

// The whole §4.1 load: version check, rows, build_clusters.
Expected<Loaded, Error> load(Store& store, const std::string& table, int32_t my_node_id,
                             const LoadHooks& hooks);

}  // namespace lc::store
