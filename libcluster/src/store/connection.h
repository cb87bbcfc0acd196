// The one primitive the store needs from a database: run one statement with
// bound parameters and get typed values back. SqlStore and the migrator are
// written once on top of it; sqlite_store.cc and postgres_store.cc are the
// two implementations. Private to the store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "libcluster/expected.h"
#include "libcluster/store/store.h"

namespace lc::store::detail {

// A result value with the type the database reported: SQLite's storage
// class of this value, PostgreSQL's column type. kOther is anything that is
// neither an integer nor a string (REAL, BLOB, NUMERIC, ...).
struct Value {
  enum class Kind : uint8_t { kNull, kInteger, kText, kOther };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  std::string text;
};

// A bound parameter; monostate is NULL.
using Param = std::variant<std::monostate, int64_t, std::string>;

struct Result {
  std::vector<std::string> columns;        // names, also when there is no row
  std::vector<std::vector<Value>> rows;
};

class Connection {
 public:
  virtual ~Connection() = default;

  // "sqlite" or "postgres".
  virtual std::string_view backend() const = 0;

  // The SQL text of parameter `n` (1-based): "?n" on SQLite, "$n" on
  // PostgreSQL. Numbered on both so a parameter can be used twice.
  virtual std::string param(int n) const = 0;

  // Runs one statement. Errors carry the driver's message and a code
  // classified from the driver's error: kDuplicate (unique violation),
  // kInvalid (NOT NULL or value out of range / too long), kNoSchema (no such
  // table), kNoColumn (no such column), kConnect (connection lost, or on
  // PostgreSQL no answer within the deadline of decision S12), else kQuery. The caller
  // adds the context (database, table, operation).
  virtual Expected<Result, Error> query(const std::string& sql,
                                        const std::vector<Param>& params = {}) = 0;

  // Whether a table named `name` (unquoted) is visible: SQLite's main
  // schema, PostgreSQL's search_path. Used where a failed query would abort
  // a PostgreSQL transaction.
  virtual Expected<bool, Error> table_exists(std::string_view name) = 0;

  // Starts the transaction migrate() runs in. SQLite takes the write lock
  // at once, so two migrations cannot interleave.
  virtual std::string_view begin_sql() const = 0;

  // The SQL type of the 64-character string columns (schema.md §1).
  virtual std::string_view string64_type() const = 0;
};

// Open a connection; `display_url` (password masked) is for messages.
Expected<std::unique_ptr<Connection>, Error> open_sqlite(const std::string& path,
                                                         bool create_if_missing,
                                                         const std::string& display_url);
Expected<std::unique_ptr<Connection>, Error> open_postgres(const std::string& conninfo,
                                                           const std::string& display_url);

}  // namespace lc::store::detail
