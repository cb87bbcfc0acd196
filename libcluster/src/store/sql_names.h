// Configured names turned into SQL: identifiers are quoted, never pasted.
// Private to the store.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libcluster/store/store.h"

namespace lc::store::detail {

// OpenSIPS's version table (the core's db_version_table default).
inline constexpr std::string_view kVersionTable = "version";

// `name` as a SQL identifier: "..." with inner quotes doubled. Valid on
// SQLite and PostgreSQL.
std::string quote_ident(std::string_view name);

// What is wrong with the configured names (empty, or a NUL byte that no
// database accepts in an identifier); nothing when all are usable.
std::optional<std::string> names_problem(const TableNames& names);

// The unique (cluster_id, node_id) index: OpenSIPS names it
// "<table>_clusterer_idx" (clusterer_clusterer_idx), so a renamed table gets
// its own index name and two tables never collide on it.
std::string unique_index_name(std::string_view table);

// The ten columns of schema.md §1 in OpenSIPS's order, quoted, comma-separated.
std::string quoted_column_list(const TableNames& names);

}  // namespace lc::store::detail
