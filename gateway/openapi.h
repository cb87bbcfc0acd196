// /openapi.json (OpenAPI 3.1), generated from the route table.
#pragma once

#include <vector>

#include "routes.h"

namespace lc::gateway {

Json openapi_document(const std::vector<Route>& routes, const std::string& version);

}  // namespace lc::gateway
