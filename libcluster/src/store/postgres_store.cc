// The PostgreSQL Connection (libpq). Values travel as text in both
// directions; the column type OIDs say which are integers and strings.
#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include "connection.h"
#include "db_url.h"

namespace lc::store::detail {

namespace {

// pg_type OIDs (catalog/pg_type_d.h, stable across versions).
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kBpcharOid = 1042;
constexpr Oid kVarcharOid = 1043;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

ErrorCode classify(std::string_view sqlstate) {
  if (sqlstate == "23505") return ErrorCode::kDuplicate;   // unique_violation
  if (sqlstate == "23502" ||                                // not_null_violation
      sqlstate == "22001" ||                                // string_data_right_truncation
      sqlstate == "22003")                                  // numeric_value_out_of_range
    return ErrorCode::kInvalid;
  if (sqlstate == "42P01" || sqlstate == "42703")           // undefined table / column
    return ErrorCode::kNoSchema;
  if (sqlstate.starts_with("08")) return ErrorCode::kConnect;  // connection exception
  return ErrorCode::kQuery;
}

Error result_error(const PGresult* r, PGconn* conn) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? primary : trim_newlines(PQerrorMessage(conn));
  if (const char* detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr)
    message += " (" + std::string(detail) + ")";
  if (state) message += " [SQLSTATE " + std::string(state) + "]";
  return Error{state ? classify(state) : ErrorCode::kConnect, message};
}

Value read_value(const PGresult* r, int row, int column) {
  Value v;
  if (PQgetisnull(r, row, column)) return v;
  const char* text = PQgetvalue(r, row, column);
  switch (PQftype(r, column)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      auto [end, ec] = std::from_chars(text, text + std::strlen(text), v.integer);
      v.kind = ec == std::errc() && *end == '\0' ? Value::Kind::kInteger : Value::Kind::kOther;
      break;
    }
    case kTextOid:
    case kBpcharOid:
    case kVarcharOid:
      v.kind = Value::Kind::kText;
      v.text = text;
      break;
    default:
      v.kind = Value::Kind::kOther;
      break;
  }
  return v;
}

Result read_result(const PGresult* r) {
  Result result;
  const int columns = PQnfields(r);
  for (int c = 0; c < columns; ++c) result.columns.emplace_back(PQfname(r, c));
  for (int row = 0; row < PQntuples(r); ++row) {
    auto& values = result.rows.emplace_back();
    for (int c = 0; c < columns; ++c) values.push_back(read_value(r, row, c));
  }
  return result;
}

// libpq prints NOTICEs ("relation ... already exists, skipping") to stderr
// by default; they are not errors, and nodectl's output is for the user.
void ignore_notice(void*, const char*) {}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(ConnPtr conn) : conn_(std::move(conn)) {}

  std::string_view backend() const override { return "postgres"; }
  std::string param(int n) const override { return "$" + std::to_string(n); }
  std::string_view begin_sql() const override { return "BEGIN"; }
  std::string_view string64_type() const override { return "VARCHAR(64)"; }

  Expected<Result, Error> query(const std::string& sql, const std::vector<Param>& params) override {
    // A store lives as long as clusterd: reconnect after a server restart.
    if (PQstatus(conn_.get()) == CONNECTION_BAD) PQreset(conn_.get());
    std::vector<Oid> types;
    std::vector<std::string> texts;
    std::vector<const char*> values;
    types.reserve(params.size());
    texts.reserve(params.size());
    for (const auto& p : params) {
      if (auto i = std::get_if<int64_t>(&p)) {
        types.push_back(kInt8Oid);
        texts.push_back(std::to_string(*i));
      } else if (auto s = std::get_if<std::string>(&p)) {
        types.push_back(kTextOid);
        texts.push_back(*s);
      } else {
        types.push_back(0);  // NULL: the server infers the type
        texts.emplace_back();
      }
    }
    for (size_t i = 0; i < params.size(); ++i)
      values.push_back(std::holds_alternative<std::monostate>(params[i]) ? nullptr
                                                                         : texts[i].c_str());
    ResultPtr r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()),
                             types.data(), values.data(), nullptr, nullptr, 0));
    const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
      return unexpected(result_error(r.get(), conn_.get()));
    return read_result(r.get());
  }

  Expected<bool, Error> table_exists(std::string_view name) override {
    // to_regclass resolves through search_path, as unqualified queries do.
    auto r = query("SELECT 1 WHERE to_regclass(quote_ident($1)) IS NOT NULL", {std::string(name)});
    if (!r) return unexpected(r.error());
    return !r->rows.empty();
  }

 private:
  ConnPtr conn_;
};

}  // namespace

Expected<std::unique_ptr<Connection>, Error> open_postgres(const std::string& conninfo,
                                                           const std::string& display_url) {
  // libpq's messages may quote parts of the URL, the password included.
  auto scrubbed = [&conninfo](std::string message) {
    return scrub_secrets(trim_newlines(std::move(message)), conninfo);
  };
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (!options) {
    std::string why = parse_error ? scrubbed(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return unexpected(Error{ErrorCode::kBadUrl, "bad db_url \"" + display_url + "\": " + why});
  }
  PQconninfoFree(options);
  ConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
    return unexpected(Error{ErrorCode::kConnect,
                            "cannot connect to postgres database " + display_url + ": " +
                                (conn ? scrubbed(PQerrorMessage(conn.get())) : "out of memory")});
  PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
  return std::unique_ptr<Connection>(std::make_unique<PostgresConnection>(std::move(conn)));
}

}  // namespace lc::store::detail
