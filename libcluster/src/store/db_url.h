// db_url parsing (store.h's open_store and mask_password). Private to the
// store; the tests use it directly.
#pragma once

#include <string>
#include <string_view>

#include "libcluster/expected.h"
#include "libcluster/store/store.h"

namespace lc::store::detail {

struct DbUrl {
  enum class Scheme : uint8_t { kSqlite, kPostgres };
  Scheme scheme = Scheme::kSqlite;
  // SQLite: the file path, absolute or relative to the working directory.
  // PostgreSQL: the URL as libpq takes it, the time limits of store.h
  // (connect_timeout, keepalives, tcp_user_timeout) included.
  std::string target;
};

// kBadUrl for an empty URL, one without "scheme://", an empty SQLite path or
// an unsupported scheme; the message names the URL with its password masked.
Expected<DbUrl, Error> parse_db_url(std::string_view db_url);

// `message` with every password of `db_url` (as written and percent-decoded)
// replaced by "***": for driver messages that quote parts of the URL.
std::string scrub_secrets(std::string message, std::string_view db_url);

}  // namespace lc::store::detail
