// Store::migrate(): apply the pending migrations and upgrade an old
// clusterer table, all in one transaction, and record the progress in
// OpenSIPS's version table.
#include "migrations.h"

#include <algorithm>

#include "sql_names.h"

namespace lc::store::detail {

namespace {

// Columns of table version 2 that version 3 dropped (schema.md §7).
constexpr std::string_view kLegacyColumns[] = {"ls_seq_no", "top_seq_no"};

Error error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

Error prefixed(Error e, const std::string& prefix) {
  e.message = prefix + ": " + e.message;
  return e;
}

std::string version_table() { return quote_ident(kVersionTable); }

// The table_version values of the version row(s) named `key`.
Expected<std::vector<Value>, Error> version_values(Connection& conn, const std::string& key) {
  auto r = conn.query(
      "SELECT table_version FROM " + version_table() + " WHERE table_name = " + conn.param(1),
      {key});
  if (!r) return unexpected(r.error());
  std::vector<Value> out;
  for (auto& row : r->rows) out.push_back(std::move(row.at(0)));
  return out;
}

// The highest migration recorded for this table; 0 on a fresh database.
Expected<int64_t, Error> read_progress(Connection& conn, const std::string& key) {
  auto exists = conn.table_exists(kVersionTable);
  if (!exists) return unexpected(exists.error());
  if (!*exists) return int64_t{0};
  auto values = version_values(conn, key);
  if (!values) return unexpected(values.error());
  int64_t done = 0;
  for (const auto& v : *values) {
    if (v.kind != Value::Kind::kInteger)
      return unexpected(error(ErrorCode::kBadVersion,
                              "the version row '" + key + "' (libcluster's migrations) is not an "
                              "integer; delete it to re-apply the migrations"));
    done = std::max(done, v.integer);
  }
  return done;
}

std::optional<Error> write_progress(Connection& conn, const std::string& key, int64_t number) {
  auto updated = conn.query("UPDATE " + version_table() + " SET table_version = " + conn.param(1) +
                                " WHERE table_name = " + conn.param(2) + " RETURNING table_name",
                            {number, key});
  if (!updated) return updated.error();
  if (!updated->rows.empty()) return std::nullopt;
  auto inserted = conn.query("INSERT INTO " + version_table() +
                                 " (table_name, table_version) VALUES (" + conn.param(1) + ", " +
                                 conn.param(2) + ")",
                             {key, number});
  if (!inserted) return inserted.error();
  return std::nullopt;
}

std::optional<Error> apply(Connection& conn, const Migration& m, const Placeholders& p) {
  for (const auto& statement : split_statements(m.sql)) {
    auto rendered = render(statement, p, conn);
    if (!rendered)
      return error(ErrorCode::kQuery, "migration " + std::string(m.name) + ": " + rendered.error());
    auto r = conn.query(rendered->sql, rendered->params);
    if (!r) return prefixed(r.error(), "migration " + std::string(m.name));
  }
  return std::nullopt;
}

// The table's version row says 4 (the table now has the version 4 columns).
std::optional<Error> set_version_4(Connection& conn, const TableNames& names) {
  auto r = conn.query("UPDATE " + version_table() + " SET table_version = " + conn.param(1) +
                          " WHERE table_name = " + conn.param(2),
                      {kClustererTableVersion, names.table});
  if (!r) return r.error();
  return std::nullopt;
}

// schema.md §7: version 2 (OpenSIPS 2.3) and 3 (development only) differ
// from 4 by the ls_seq_no/top_seq_no columns and the missing flags column.
std::optional<Error> upgrade_to_4(Connection& conn, const TableNames& names) {
  const std::string table = quote_ident(names.table);
  auto shape = conn.query("SELECT * FROM " + table + " LIMIT 0");
  if (!shape) return shape.error();
  auto has = [&](std::string_view column) {
    return std::find(shape->columns.begin(), shape->columns.end(), column) != shape->columns.end();
  };
  for (auto legacy : kLegacyColumns) {
    if (!has(legacy)) continue;
    auto r = conn.query("ALTER TABLE " + table + " DROP COLUMN " + quote_ident(legacy));
    if (!r) return r.error();
  }
  if (!has(names.flags)) {
    auto r = conn.query("ALTER TABLE " + table + " ADD COLUMN " + quote_ident(names.flags) + " " +
                        std::string(conn.string64_type()));
    if (!r) return r.error();
  }
  return set_version_4(conn, names);
}

// Checks the table's version row after the migrations; upgrades 2 and 3.
// Returns the version upgraded from, or 0.
Expected<int64_t, Error> check_or_upgrade(Connection& conn, const TableNames& names) {
  auto values = version_values(conn, names.table);
  if (!values) return unexpected(values.error());
  const std::string who = "table '" + names.table + "'";
  if (values->size() != 1)
    return unexpected(error(ErrorCode::kBadVersion,
                            std::to_string(values->size()) + " rows for " + who +
                                " in the version table; keep exactly one, with table_version 4"));
  const Value& v = values->front();
  if (v.kind != Value::Kind::kInteger)
    return unexpected(error(ErrorCode::kBadVersion,
                            "the version of " + who + " is NULL or not an integer; set it to 4 "
                            "if the table has the OpenSIPS 3.x columns (schema.md §1)"));
  switch (v.integer) {
    case kClustererTableVersion:
      return int64_t{0};
    case 2:
    case 3:
      if (auto e = upgrade_to_4(conn, names))
        return unexpected(prefixed(std::move(*e), "upgrading " + who + " from version " +
                                                      std::to_string(v.integer) + " to 4"));
      return v.integer;
    case 1:
      return unexpected(error(
          ErrorCode::kBadVersion,
          who + " has version 1 (OpenSIPS 2.2: machine_id and failure counters), which cannot "
                "be upgraded in place; rename it, run nodectl db migrate to create a version 4 "
                "table, and provision its nodes again with nodectl db add"));
    default:
      return unexpected(error(ErrorCode::kBadVersion,
                              who + " has version " + std::to_string(v.integer) +
                                  ", which this libcluster does not know; it reads version 4, "
                                  "as OpenSIPS 3.x does"));
  }
}

// True when the progress row says the migrations ran but the clusterer
// table is gone (dropped by hand): the progress row alone must not make
// migrate report "up to date" while clusterd says to run it.
Expected<bool, Error> table_dropped_since(Connection& conn, const TableNames& names,
                                          int64_t done) {
  if (done == 0) return false;
  auto exists = conn.table_exists(names.table);
  if (!exists) return unexpected(exists.error());
  return !*exists;
}

Expected<MigrateReport, Error> migrate_in_transaction(Connection& conn, const TableNames& names) {
  const std::string key = migrations_key(names.table);
  auto done = read_progress(conn, key);
  if (!done) return unexpected(done.error());
  auto dropped = table_dropped_since(conn, names, *done);
  if (!dropped) return unexpected(dropped.error());
  // Every migration is idempotent (S6), so a dropped table means running
  // them all again: only what is missing is created.
  const int64_t skip_up_to = *dropped ? 0 : *done;
  MigrateReport report;
  report.schema_version = *done;
  report.recreated_table = *dropped;
  const Placeholders placeholders = placeholders_for(names);
  for (const auto& m : migrations_for(conn.backend())) {
    if (m.number <= skip_up_to) continue;
    if (auto e = apply(conn, m, placeholders)) return unexpected(std::move(*e));
    report.applied.emplace_back(m.name);
    report.schema_version = m.number;
  }
  // The re-created table is version 4, whatever a stale version row said.
  if (*dropped)
    if (auto e = set_version_4(conn, names))
      return unexpected(prefixed(std::move(*e), "recording the re-created table's version"));
  auto upgraded = check_or_upgrade(conn, names);
  if (!upgraded) return unexpected(upgraded.error());
  report.upgraded_from_version = *upgraded;
  if (!report.applied.empty())
    if (auto e = write_progress(conn, key, report.schema_version))
      return unexpected(prefixed(std::move(*e), "recording the migrations"));
  return report;
}

}  // namespace

Expected<MigrateReport, Error> run_migrations(Connection& conn, const TableNames& names) {
  if (auto begin = conn.query(std::string(conn.begin_sql())); !begin)
    return unexpected(prefixed(begin.error(), "starting the transaction"));
  auto report = migrate_in_transaction(conn, names);
  if (report) {
    auto commit = conn.query("COMMIT");
    if (commit) return report;
    report = unexpected(prefixed(commit.error(), "committing"));
  }
  (void)conn.query("ROLLBACK");  // the error to report is the first one
  return report;
}

}  // namespace lc::store::detail
