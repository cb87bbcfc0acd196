// The SQLite Connection (SQLiteCpp). SQLite is dynamically typed, so each
// value is reported with its own storage class: a TEXT value in an INTEGER
// column is caught by the §4.1 type check.
#include <sqlite3.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "connection.h"

namespace lc::store::detail {

namespace {

// clusterd and nodectl may write at the same time; wait for the lock.
constexpr int kBusyTimeoutMs = 5000;

bool starts_with(const char* s, std::string_view prefix) {
  return std::string_view(s).starts_with(prefix);
}

ErrorCode classify(const SQLite::Exception& e) {
  switch (e.getExtendedErrorCode()) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return ErrorCode::kDuplicate;
    case SQLITE_CONSTRAINT_NOTNULL:
      return ErrorCode::kInvalid;
    default:
      break;
  }
  // "no such table: x", "no such column: x", "table x has no column named y"
  const char* what = e.what();
  if (e.getErrorCode() == SQLITE_ERROR && starts_with(what, "no such table"))
    return ErrorCode::kNoSchema;
  if (e.getErrorCode() == SQLITE_ERROR &&
      (starts_with(what, "no such column") ||
       std::string_view(what).find("has no column named") != std::string_view::npos))
    return ErrorCode::kNoColumn;
  return ErrorCode::kQuery;
}

Value read_value(const SQLite::Column& column) {
  Value v;
  switch (column.getType()) {
    case SQLITE_INTEGER:
      v.kind = Value::Kind::kInteger;
      v.integer = column.getInt64();
      break;
    case SQLITE_TEXT:
      v.kind = Value::Kind::kText;
      v.text = column.getString();
      break;
    case SQLITE_NULL:
      v.kind = Value::Kind::kNull;
      break;
    case SQLITE_FLOAT:
      v.kind = Value::Kind::kOther;
      v.text = column.getString();  // shown when a listed row is corrupt
      break;
    default:  // BLOB
      v.kind = Value::Kind::kOther;
      v.text = "(blob)";
      break;
  }
  return v;
}

void bind(SQLite::Statement& statement, int index, const Param& p) {
  if (auto i = std::get_if<int64_t>(&p))
    statement.bind(index, *i);
  else if (auto s = std::get_if<std::string>(&p))
    statement.bind(index, *s);
  else
    statement.bind(index);  // NULL
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  std::string_view backend() const override { return "sqlite"; }
  // Appended, not "?" + to_string(n): GCC 12 -O3 warns (-Wrestrict) on that.
  std::string param(int n) const override { return std::string("?").append(std::to_string(n)); }
  std::string_view begin_sql() const override { return "BEGIN IMMEDIATE"; }
  std::string_view string64_type() const override { return "CHAR(64)"; }

  Expected<Result, Error> query(const std::string& sql, const std::vector<Param>& params) override {
    try {
      SQLite::Statement statement(*db_, sql);
      for (size_t i = 0; i < params.size(); ++i) bind(statement, static_cast<int>(i + 1), params[i]);
      Result result;
      for (int c = 0; c < statement.getColumnCount(); ++c)
        result.columns.emplace_back(statement.getColumnName(c));
      while (statement.executeStep()) {
        auto& row = result.rows.emplace_back();
        for (int c = 0; c < statement.getColumnCount(); ++c)
          row.push_back(read_value(statement.getColumn(c)));
      }
      return result;
    } catch (const SQLite::Exception& e) {
      return unexpected(Error{classify(e), e.what()});
    }
  }

  Expected<bool, Error> table_exists(std::string_view name) override {
    auto r = query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                   {std::string(name)});
    if (!r) return unexpected(r.error());
    return !r->rows.empty();
  }

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace

Expected<std::unique_ptr<Connection>, Error> open_sqlite(const std::string& path,
                                                         bool create_if_missing,
                                                         const std::string& display_url) {
  const int flags = SQLite::OPEN_READWRITE | (create_if_missing ? SQLite::OPEN_CREATE : 0);
  const std::string failed = "cannot open sqlite database " + display_url + " (file \"" + path +
                             "\"): ";
  try {
    auto db = std::make_unique<SQLite::Database>(path, flags, kBusyTimeoutMs);
    // Without this, SQLite reads a double-quoted name that is no column as
    // a string: a misconfigured *_col would load its own name as the value.
    sqlite3_db_config(db->getHandle(), SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
    // SQLite opens lazily: read the schema now so that a file that is not a
    // database fails here, as kConnect, not at the first query.
    db->exec("SELECT count(*) FROM sqlite_master");
    return std::unique_ptr<Connection>(std::make_unique<SqliteConnection>(std::move(db)));
  } catch (const SQLite::Exception& e) {
    std::string why = e.what();
    if (e.getErrorCode() == SQLITE_CANTOPEN && !create_if_missing)
      why += "; the file must exist (nodectl db migrate creates it)";
    return unexpected(Error{ErrorCode::kConnect, failed + why});
  }
}

}  // namespace lc::store::detail
