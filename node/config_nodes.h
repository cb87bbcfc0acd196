// Script provisioning (db_mode 0): my_node_info / neighbor_node_info entries
// (schema.md §6) and the clusters they describe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/core/types.h"
#include "libcluster/expected.h"
#include "node/config.h"

namespace lc::node::detail {

enum class NodeRole { kLocal, kNeighbor };

struct NodeSpec {
  int32_t cluster_id = 0;
  core::NodeInfo info;  // node_id 0: not given (the local node only)
};

// Comma-separated property=value pairs; the property names are the column
// names. Errors are a short problem text; the caller names key and value.
Expected<NodeSpec, std::string> parse_node_spec(std::string_view text, NodeRole role,
                                                const store::TableNames& cols);

// The entry parse_node_spec reads back to the same node.
std::string format_node_spec(int32_t cluster_id, const core::NodeInfo& info,
                             const store::TableNames& cols);

// Groups the entries by cluster: one my_node_info per cluster, whose URL must
// be one of `listeners`, and neighbors only in clusters that have one.
Expected<std::vector<core::ClusterSpec>, ConfigError> build_clusters(
    const std::vector<std::string>& my_node_info,
    const std::vector<std::string>& neighbor_node_info, int32_t my_node_id, const store::TableNames& cols,
    const std::vector<Listener>& listeners);

}  // namespace lc::node::detail
