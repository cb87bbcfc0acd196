// `nodectl db`: checks of the command-line values, made before the database
// is opened, so that a bad value never reaches it (docs/decisions.md, "nodectl db").
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libcluster/store/store.h"

namespace lc::nodectl::db {

// Longest value of a string column: VARCHAR(64)/CHAR(64) (schema.md §1, §5),
// counted in characters (UTF-8 code points) as PostgreSQL does.
inline constexpr std::size_t kMaxText = 64;
// The integer columns are PostgreSQL INTEGERs.
inline constexpr int64_t kMaxInt = 2147483647;

// A value refused, with the reason ("cluster_id must be >= 1, got 0").
struct Invalid {
  std::string message;
};

// A decimal integer in [min, kMaxInt]. `option` names it in the message.
std::optional<Invalid> parse_int(std::string_view option, std::string_view text, int64_t min,
                                 int64_t max, int64_t* out);

// A node URL as schema.md §3 reads it: [bin:|bins:]HOST[:PORT], PORT 1-65535,
// HOST a name (letters, digits, '.', '-', '_') or an IPv4 address or a
// bracketed IPv6 address. At most kMaxText characters.
std::optional<Invalid> check_url(std::string_view url);

// A free-text column value: at most kMaxText characters, no control
// characters. Empty is allowed (it means NULL).
std::optional<Invalid> check_text(std::string_view option, std::string_view text);

// Number of UTF-8 code points (bytes that are not continuation bytes).
std::size_t text_length(std::string_view text);

// True when a flags value makes the node a seed (starts with "seed"), or is
// empty; otherwise nodectl warns (the value is stored anyway).
bool flags_recognised(std::string_view flags);

// Longest table or column name: PostgreSQL's identifiers (NAMEDATALEN - 1
// bytes; longer ones are silently truncated).
inline constexpr std::size_t kMaxName = 63;
// Longest table name: version.table_name is VARCHAR(32)/CHAR(32) (schema.md §2).
inline constexpr std::size_t kMaxTableName = 32;

// --db_table and the *_col names, with clusterd's rules (node/config.cc):
// non-empty, without ',', '=' or white space, the ten columns distinct; and
// the length limits above.
std::optional<Invalid> check_names(const lc::store::TableNames& names);

// The strings of the field options as typed; nullopt = option not given.
struct FieldArgs {
  std::optional<std::string> cluster_id, node_id, url, state, no_ping_retries, priority, sip_addr,
      flags, description;
  bool any() const;
};

// Checks every given field and converts it. The first problem found, in
// option order, is returned.
std::optional<Invalid> to_row_fields(const FieldArgs& args, lc::store::RowFields* out);

}  // namespace lc::nodectl::db
