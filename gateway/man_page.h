// The generated parts of cluster-gateway(8), in roff: its routes, from the
// table the server registers (routes.h). `cluster-gateway --man-page
// routes|options` (hidden) prints them for man/CMakeLists.txt.
#pragma once

#include <string>
#include <vector>

#include "routes.h"

namespace lc::gateway {

std::string man_routes(const std::vector<Route>& routes);

}  // namespace lc::gateway
