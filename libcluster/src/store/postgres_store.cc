// The PostgreSQL Connection (libpq). Values travel as text in both
// directions; the column type OIDs say which are integers and strings.
#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <algorithm>
#include <chrono>
#include <climits>
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

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running...?\n"): one line, white space collapsed where a line
// breaks, so every log line and CLI message is a single line.
std::string one_line(std::string_view text) {
  std::string out;
  bool breaking = false;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      breaking = true;
      continue;
    }
    if (breaking && (c == ' ' || c == '\t')) continue;
    if (breaking && !out.empty()) out += ' ';
    breaking = false;
    out += c;
  }
  return out;
}

ErrorCode classify(std::string_view sqlstate) {
  if (sqlstate == "23505") return ErrorCode::kDuplicate;   // unique_violation
  if (sqlstate == "23502" ||                                // not_null_violation
      sqlstate == "22001" ||                                // string_data_right_truncation
      sqlstate == "22003")                                  // numeric_value_out_of_range
    return ErrorCode::kInvalid;
  if (sqlstate == "42P01") return ErrorCode::kNoSchema;    // undefined_table
  if (sqlstate == "42703") return ErrorCode::kNoColumn;    // undefined_column
  if (sqlstate.starts_with("08")) return ErrorCode::kConnect;  // connection exception
  return ErrorCode::kQuery;
}

Error result_error(const PGresult* r, PGconn* conn) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? primary : PQerrorMessage(conn);
  if (const char* detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr)
    message += " (" + std::string(detail) + ")";
  if (state && std::string_view(state) == "57014")  // query_canceled
    message += " (the server's statement_timeout, decision S12, or an administrator's cancel)";
  if (state) message += " [SQLSTATE " + std::string(state) + "]";
  return Error{state ? classify(state) : ErrorCode::kConnect, one_line(message)};
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
      if (v.kind == Value::Kind::kOther) v.text = text;
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
      v.text = text;  // shown when a listed row is corrupt
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
    // A store lives as long as clusterd: reconnect after a server restart
    // or an answer that never came.
    // A connection whose last answer was abandoned (broken_) may still hold
    // part of it, so it is reset too; a session whose setup failed has no
    // statement_timeout yet, so the setup is run again first.
    if (broken_ || PQstatus(conn_.get()) == CONNECTION_BAD) {
      PQreset(conn_.get());
      broken_ = false;
      session_ready_ = false;
    }
    if (!session_ready_ && PQstatus(conn_.get()) == CONNECTION_OK)
      if (auto e = setup_session()) return unexpected(std::move(*e));
    return run(sql, params);
  }

  Expected<bool, Error> table_exists(std::string_view name) override {
    // to_regclass resolves through search_path, as unqualified queries do.
    auto r = query("SELECT 1 WHERE to_regclass(quote_ident($1)) IS NOT NULL", {std::string(name)});
    if (!r) return unexpected(r.error());
    return !r->rows.empty();
  }

  // Bounds every statement (decision S12): statement_timeout on the server
  // unless the URL's options or the role already set one, and the answer
  // deadline derived from the effective value.
  std::optional<Error> setup_session() {
    auto set = run("SELECT set_config('statement_timeout', $1, false) "
                   "WHERE current_setting('statement_timeout') IN ('0', '')",
                   {std::to_string(kPgStatementTimeoutMs) + "ms"});
    if (!set) return set.error();
    auto effective = run("SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout'",
                         {});
    if (!effective) return effective.error();
    int64_t statement_ms = kPgStatementTimeoutMs;
    if (!effective->rows.empty() && effective->rows[0].at(0).kind == Value::Kind::kInteger)
      statement_ms = effective->rows[0][0].integer;
    answer_deadline_ = std::chrono::milliseconds(statement_ms + kPgAnswerMarginMs);
    session_ready_ = true;
    return std::nullopt;
  }

 private:
  Expected<Result, Error> run(const std::string& sql, const std::vector<Param>& params) {
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
    if (!PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()),
                           types.data(), values.data(), nullptr, nullptr, 0))
      return unexpected(result_error(nullptr, conn_.get()));
    if (auto e = await_answer()) {
      broken_ = true;  // the answer may still come: never read it as the next one's
      return unexpected(std::move(*e));
    }
    // The last result is the statement's; earlier ones cannot occur for one
    // statement, but are released all the same.
    ResultPtr last;
    while (PGresult* next = PQgetResult(conn_.get())) last.reset(next);
    const auto status = last ? PQresultStatus(last.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
      return unexpected(result_error(last.get(), conn_.get()));
    return read_result(last.get());
  }

  // Waits until the whole answer is in (PQgetResult would then not block),
  // at most answer_deadline_. On expiry the connection is closed, so the
  // next query() reconnects instead of reading a stale answer.
  std::optional<Error> await_answer() {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + answer_deadline_;
    while (PQisBusy(conn_.get())) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        const int socket = PQsocket(conn_.get());
        if (socket >= 0) ::shutdown(socket, SHUT_RDWR);  // PQstatus becomes BAD on the next read
        (void)PQconsumeInput(conn_.get());
        return Error{ErrorCode::kConnect,
                     "no answer from the server within " + std::to_string(answer_deadline_.count()) +
                         " ms (statement_timeout + " + std::to_string(kPgAnswerMarginMs) +
                         " ms, decision S12); the connection was closed"};
      }
      // Over TLS, bytes may wait decrypted in OpenSSL's buffer while the
      // socket has nothing: wake often and read whatever is there.
      const int64_t wait_ms =
          std::min<int64_t>(left.count(), PQsslInUse(conn_.get()) ? kTlsPollStepMs : INT_MAX);
      pollfd p{PQsocket(conn_.get()), POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(wait_ms));
      if (ready < 0 && errno != EINTR)
        return Error{ErrorCode::kConnect, std::string("waiting for the server: ") + std::strerror(errno)};
      if (ready < 0) continue;
      if (!PQconsumeInput(conn_.get())) return result_error(nullptr, conn_.get());
    }
    return std::nullopt;
  }

  static constexpr int64_t kTlsPollStepMs = 50;

  ConnPtr conn_;
  bool broken_ = false;         // an answer was abandoned: reset before the next statement
  bool session_ready_ = false;  // setup_session() succeeded on this connection
  std::chrono::milliseconds answer_deadline_{kPgStatementTimeoutMs + kPgAnswerMarginMs};
};

}  // namespace

Expected<std::unique_ptr<Connection>, Error> open_postgres(const std::string& conninfo,
                                                           const std::string& display_url) {
  // libpq's messages may quote parts of the URL, the password included.
  auto scrubbed = [&conninfo](std::string message) {
    return scrub_secrets(one_line(message), conninfo);
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
  auto connection = std::make_unique<PostgresConnection>(std::move(conn));
  if (auto e = connection->setup_session())
    return unexpected(Error{ErrorCode::kConnect, "cannot set up the session on postgres database " +
                                                     display_url + ": " + scrubbed(e->message)});
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace lc::store::detail
