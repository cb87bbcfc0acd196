// Internal: the cache_* MI commands of OpenSIPS 3.6 (core cache_store,
// cache_fetch, cache_remove; cachedb_local's cache_fetch_chunk and
// cache_remove_chunk), over the node's replicated KV cache.
#pragma once

#include "libcluster/mi/registry.h"

namespace lc::mi {

void add_kv_commands(Registry& r);

}  // namespace lc::mi
