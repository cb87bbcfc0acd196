// Provisioning store: the OpenSIPS `clusterer` table (schema.md) on SQLite
// (embedded default) or PostgreSQL. This is I/O at the edge: clusterd reads
// it at start and on clusterer_reload, writes `state` back on
// clusterer_set_status, and `nodectl db` provisions rows. The engine core
// never sees a Store; it gets the ClusterSpecs that store/load.h builds.
//
// Threading: a Store is one connection; use it from one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "libcluster/expected.h"

namespace lc::store {

// OpenSIPS's CLUSTERER_TABLE_VERSION: the only version clusterd accepts.
inline constexpr int64_t kClustererTableVersion = 4;

// db_table and the ten *_col parameters (defaults = OpenSIPS's names).
struct TableNames {
  std::string table = "clusterer";
  std::string id = "id";
  std::string cluster_id = "cluster_id";
  std::string node_id = "node_id";
  std::string url = "url";
  std::string state = "state";
  std::string no_ping_retries = "no_ping_retries";
  std::string priority = "priority";
  std::string sip_addr = "sip_addr";
  std::string flags = "flags";
  std::string description = "description";
};

// Each name with its configuration key ("db_table", "id_col", ...), table
// first, then the columns in schema order: the one list that configuration
// readers, validation, messages and the SQL templates walk. `Names` is
// TableNames or const TableNames (pointers to match).
template <typename Names>
auto named_settings(Names& n) {
  using Key = std::string_view;
  return std::array{
      std::pair{Key("db_table"), &n.table},
      std::pair{Key("id_col"), &n.id},
      std::pair{Key("cluster_id_col"), &n.cluster_id},
      std::pair{Key("node_id_col"), &n.node_id},
      std::pair{Key("url_col"), &n.url},
      std::pair{Key("state_col"), &n.state},
      std::pair{Key("no_ping_retries_col"), &n.no_ping_retries},
      std::pair{Key("priority_col"), &n.priority},
      std::pair{Key("sip_addr_col"), &n.sip_addr},
      std::pair{Key("flags_col"), &n.flags},
      std::pair{Key("description_col"), &n.description},
  };
}

// One row as stored. NULL string columns are nullopt.
struct Row {
  int64_t id = 0;
  int64_t cluster_id = 0;
  int64_t node_id = 0;
  std::string url;
  int64_t state = 1;
  int64_t no_ping_retries = 3;
  int64_t priority = 50;
  std::optional<std::string> sip_addr;
  std::optional<std::string> flags;
  std::optional<std::string> description;
};

// Values for add_row / update_row. Unset fields take the column default
// (add) or keep the stored value (update). An empty string sets a nullable
// string column to NULL.
struct RowFields {
  std::optional<int64_t> cluster_id;
  std::optional<int64_t> node_id;
  std::optional<std::string> url;
  std::optional<int64_t> state;
  std::optional<int64_t> no_ping_retries;
  std::optional<int64_t> priority;
  std::optional<std::string> sip_addr;
  std::optional<std::string> flags;
  std::optional<std::string> description;
};

// A value of a listed row that fails the §4.1 type/NULL check.
struct BadValue {
  std::string column;   // configured name
  std::string problem;  // "column state has a bad type" / "column url is null"
  std::string raw;      // the stored value as text ("NULL" for NULL)
};

// A row as list_rows / update_row / remove_row read it: decoded leniently,
// so that a corrupt value (possible on SQLite, or after raw SQL) can still be
// seen, fixed and removed without SQL. The fields named in `bad` keep Row's
// defaults; `row.id` is 0 when the id itself is bad.
struct ListedRow {
  Row row;
  std::vector<BadValue> bad;
};

enum class ErrorCode : uint8_t {
  kBadUrl,        // db_url unparsable or of an unsupported scheme
  kConnect,       // cannot open/connect to the database, lost it, or no answer in time
  kNoSchema,      // version table, version row or clusterer table missing
  kNoColumn,      // the table exists but lacks a configured *_col column
  kBadVersion,    // the version row holds another version (or a bad value)
  kBadType,       // a column holds a value of the wrong type / NULL (load)
  kDuplicate,     // (cluster_id, node_id) already provisioned
  kNotFound,      // no row with that id
  kInvalid,       // a value rejected before reaching the database
  kQuery,         // any other database error
};

struct Error {
  ErrorCode code = ErrorCode::kQuery;
  std::string message;  // names the database (password masked) and the cause
};

// What migrate() did.
struct MigrateReport {
  std::vector<std::string> applied;  // file names applied by this run, in order
  int64_t schema_version = 0;        // highest migration number now recorded
  // 2 or 3 when this run upgraded an OpenSIPS 2.3-era table in place to
  // version 4 (schema.md §7); 0 otherwise.
  int64_t upgraded_from_version = 0;
  // True when the progress row said "done" but the clusterer table was
  // missing (dropped by hand), so this run created it again.
  bool recreated_table = false;
};


class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgres".
  virtual std::string_view backend() const = 0;
  // db_url with any password masked, for messages.
  virtual const std::string& display_url() const = 0;

  // Every table_version of the version row(s) of `names.table`; a NULL or
  // non-integer value is nullopt. kNoSchema when the version table is missing.
  // check_version() (load.h) turns this into the spec's verdict.
  virtual Expected<std::vector<std::optional<int64_t>>, Error> version_rows() = 0;

  // Query A then B of schema.md §4.1: every row of every cluster
  // `my_node_id` belongs to, in result order. kBadType ("column <name> has a
  // bad type" / "column <name> is null") fails the whole load.
  virtual Expected<std::vector<Row>, Error> load_rows(int64_t my_node_id) = 0;

  // Provisioning (nodectl db). list_rows is ordered by id. add_row needs
  // cluster_id, node_id and url; integers must fit the 32-bit INTEGER
  // columns (else kInvalid); add and update return the row as stored, id
  // included, remove the row it removed. A (cluster_id, node_id) pair
  // already present is kDuplicate; an unknown id is kNotFound. Other checks
  // (ids >= 1, URL forms) are the caller's. list/update/remove decode
  // leniently (ListedRow) and touch only the row they name, so one corrupt
  // row never blocks provisioning.
  virtual Expected<std::vector<ListedRow>, Error> list_rows() = 0;
  virtual Expected<Row, Error> add_row(const RowFields& fields) = 0;
  virtual Expected<ListedRow, Error> update_row(int64_t id, const RowFields& fields) = 0;
  virtual Expected<ListedRow, Error> remove_row(int64_t id) = 0;

  // clusterer_set_status write-back (schema.md §4.3): with a cluster id,
  // WHERE node_id AND cluster_id; without, every row of the node.
  virtual std::optional<Error> set_state(int64_t node_id, std::optional<int64_t> cluster_id,
                                         bool enabled) = 0;

  // Applies migrations/<backend>/NNNN_*.sql not yet recorded, in order, in
  // one transaction (nodectl db migrate), then upgrades a version 2 or 3
  // table to 4 in the same transaction. Progress is recorded in the version
  // table under migrations_key(names.table). Idempotent; accepts a database
  // made by OpenSIPS's own scripts unchanged. A version 1 or > 4 table is
  // kBadVersion and nothing is changed. A table missing although the
  // progress row says the migrations ran (dropped by hand) is created again.
  // clusterd never calls it.
  virtual Expected<MigrateReport, Error> migrate() = 0;
};

// The command that creates or upgrades the schema for `db_url` (password
// masked) and `names`: "nodectl db migrate --db_url URL" plus --db_table and
// every --*_col that differs from the default, for hints.
std::string migrate_command(std::string_view db_url, const TableNames& names);

// The *_col setting whose configured name is `column` ("state_col" when
// state_col = "column"); nothing when no column setting names it.
std::optional<std::string_view> column_setting(const TableNames& names, std::string_view column);

// PostgreSQL time limits (decision S12). A server that stops answering
// after the connection is made must not block clusterd's database worker.
// connect_timeout, keepalives and tcp_user_timeout are added to the URL
// when it sets none; statement_timeout is set on the session unless the URL
// or the role's settings give one; and every statement gets an answer
// deadline of statement_timeout + kAnswerMarginMs, after which the
// connection is dropped (kConnect) and the next call reconnects.
inline constexpr int kPgConnectTimeoutSeconds = 5;
inline constexpr int kPgStatementTimeoutMs = 10000;
inline constexpr int kPgAnswerMarginMs = 5000;
inline constexpr int kPgKeepalivesIdleSeconds = 10;
inline constexpr int kPgKeepalivesIntervalSeconds = 5;
inline constexpr int kPgKeepalivesCount = 3;
inline constexpr int kPgTcpUserTimeoutMs = 15000;

// The version-table row in which migrate() records the highest applied
// migration for `table`: "libcluster:<table>", or "libcluster:#<hash>" when
// that would not fit OpenSIPS's 32-character table_name column.
std::string migrations_key(std::string_view table);

// Opens `db_url`: sqlite:///abs/path.db, sqlite://relative.db (relative to
// the working directory), postgres://user:pass@host:port/db (postgresql://
// too; handed to libpq, which accepts its URI query parameters, with the
// time limits above added when absent). Anything else, mysql:// included, is
// kBadUrl naming the URL (password masked) and the supported schemes. A
// server or file that cannot be reached or opened is kConnect with the
// driver's reason. An empty table or column name is kInvalid.
//
// `create_if_missing` lets a missing SQLite file be created: only
// `nodectl db migrate` passes true. clusterd and the other nodectl db
// commands open an existing file, so a mistyped path fails with kConnect
// instead of starting on an empty database. PostgreSQL databases are never
// created (the server's administrator does that).
//
// The names in `names` are configuration, not SQL: every statement quotes
// them as identifiers ("..."), so on PostgreSQL they are case-sensitive and
// a dot is part of the name (use the URL's options=-csearch_path%3D... for
// another schema). Values are always bound as parameters.
Expected<std::unique_ptr<Store>, Error> open_store(std::string_view db_url,
                                                   const TableNames& names,
                                                   bool create_if_missing = false);

// `db_url` with the password replaced by "***": the user-info password
// (scheme://user:PASSWORD@host) and any password=... parameter.
std::string mask_password(std::string_view db_url);

}  // namespace lc::store
