// Internal: the capability MI commands (mi.md §2.8-2.9, and our
// clusterer_sync) and the `cap:<name>` status/report identifiers.
#pragma once

#include <vector>

#include "libcluster/mi/registry.h"

namespace lc::mi {

void add_cap_commands(Registry& r);
// One `cap:<name>` identifier per capability of the engine, newest
// registration first (the "clusterer" group's dynamic identifiers).
std::vector<SrIdentifier> cap_identifiers(Context& ctx);

}  // namespace lc::mi
