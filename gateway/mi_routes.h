// POST /v1/mi/{command}: one route per MI command of the registry (the one
// nodectl, the completions and the man pages derive from), so a command
// added there is reachable, documented in /openapi.json and in
// cluster-gateway(8) without touching the gateway.
#pragma once

#include <vector>

#include "libcluster/mi/registry.h"
#include "routes.h"

namespace lc::gateway {

// The routes of every command of `registry` but the streaming ones (the
// event stream is GET /v1/events).
std::vector<Route> registry_routes(const mi::Registry& registry);

}  // namespace lc::gateway
