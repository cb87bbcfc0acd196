// Internal: the command sets make_clusterer_registry() assembles, and
// helpers their handlers share.
#pragma once

#include "libcluster/mi/registry.h"

namespace lc::mi {

void add_core_commands(Registry& r);       // which, help, get_statistics, sr_*
void add_clusterer_commands(Registry& r);  // the OpenSIPS clusterer MI commands
void add_script_commands(Registry& r);     // script functions as commands, subscribe

// An int parameter that must be >= 1: -32602 for a bad type, 400
// "Bad value for '<name>'" below 1 (the clusterer's id checks).
Expected<int32_t, MiError> positive_int(const Params& p, std::string_view name);

// A recurring parameter declaration.
Param cluster_id_param();

}  // namespace lc::mi
