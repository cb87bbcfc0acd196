// The routes that send through the cluster: generic requests and replies
// (cluster_send_req / cluster_broadcast_req / cluster_send_rpl) with the
// REST form of the seed's async wait (`?wait=SECONDS` returns the reply
// that carries the request's tag, read from the node's event stream), and
// MI commands run on another node or on every node (cluster_send_mi,
// cluster_broadcast_mi).
#pragma once

#include <vector>

#include "routes.h"

namespace lc::gateway {

// Longest ?wait accepted, in seconds (a waiting request holds a server
// thread).
inline constexpr long long kMaxWaitSeconds = 300;

std::vector<Route> message_routes();

}  // namespace lc::gateway
