// GET /readyz: whether a load balancer should send this node traffic
// (gateway/README.md, "Readiness"): the node answers MI, the local node is
// enabled, it reaches at least one enabled peer (or has none), and every
// capability is synced. `?verbose` lists each check with its detail.
#pragma once

#include <string>
#include <vector>

#include "routes.h"

namespace lc::gateway {

struct ReadinessCheck {
  std::string name;  // node, local_node_enabled, peers, capabilities
  bool ok = false;
  std::string detail;
};

// Runs the checks against the node (each MI call bounded by the MI
// timeout; none after the node failed to answer).
std::vector<ReadinessCheck> readiness_checks(Services& s);

Route readyz_route();

}  // namespace lc::gateway
