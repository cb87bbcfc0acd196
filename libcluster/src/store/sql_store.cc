// The clusterer-table operations of store.h on any Connection. Identifiers
// are quoted (sql_names.h), values bound as parameters.
#include "sql_store.h"

#include <utility>

#include "migrations.h"
#include "row_codec.h"
#include "sql_names.h"

namespace lc::store::detail {

SqlStore::SqlStore(std::unique_ptr<Connection> conn, TableNames names, std::string display_url)
    : conn_(std::move(conn)),
      names_(std::move(names)),
      display_url_(std::move(display_url)),
      table_(quote_ident(names_.table)),
      columns_(quoted_column_list(names_)) {}

std::string SqlStore::context(std::string_view what) const {
  return std::string(backend()) + " " + display_url_ + ", table \"" + names_.table +
         "\": " + std::string(what);
}

namespace {

// The column a driver says is missing: SQLite's "no such column: X" and
// "table T has no column named X", PostgreSQL's "column "X" does not exist"
// and "column "X" of relation "T" does not exist".
std::optional<std::string> missing_column(std::string_view message) {
  for (std::string_view marker : {"no such column: ", "has no column named "}) {
    if (auto at = message.find(marker); at != std::string_view::npos) {
      auto name = message.substr(at + marker.size());
      return std::string(name.substr(0, name.find_first_of(" \n")));
    }
  }
  constexpr std::string_view kPg = "column \"";
  if (auto at = message.find(kPg); at != std::string_view::npos) {
    auto name = message.substr(at + kPg.size());
    return std::string(name.substr(0, name.find('"')));
  }
  return std::nullopt;
}

}  // namespace

// A missing column names the setting that names it: that setting or the
// table is what the operator has to change (migrate never alters columns).
std::string SqlStore::missing_column_note(std::string_view driver_message) const {
  auto column = missing_column(driver_message);
  if (!column) return "";
  auto setting = column_setting(names_, *column);
  if (!setting) return "";
  return "; the table has no column \"" + *column + "\" (the " + std::string(*setting) +
         " setting)";
}

Error SqlStore::with_context(Error e, std::string_view operation) const {
  const std::string note = e.code == ErrorCode::kNoColumn ? missing_column_note(e.message) : "";
  e.message = context(std::string(operation) + ": " + e.message + note);
  return e;
}

Expected<Result, Error> SqlStore::run(std::string_view operation, const std::string& sql,
                                      const std::vector<Param>& params) {
  auto r = conn_->query(sql, params);
  if (!r) return unexpected(with_context(r.error(), operation));
  return r;
}

Expected<std::vector<Row>, Error> SqlStore::decode_all(const Result& result) const {
  std::vector<Row> rows;
  rows.reserve(result.rows.size());
  for (const auto& values : result.rows) {
    auto row = decode_row(values, names_);
    if (!row) return unexpected(Error{ErrorCode::kBadType, context(row.error())});
    rows.push_back(std::move(*row));
  }
  return rows;
}

Expected<std::vector<std::optional<int64_t>>, Error> SqlStore::version_rows() {
  auto r = run("reading its version row",
               "SELECT table_version FROM " + quote_ident(kVersionTable) +
                   " WHERE table_name = " + conn_->param(1),
               {names_.table});
  if (!r) return unexpected(r.error());
  std::vector<std::optional<int64_t>> out;
  for (const auto& row : r->rows) {
    const Value& v = row.at(0);
    out.push_back(v.kind == Value::Kind::kInteger ? std::optional<int64_t>(v.integer)
                                                  : std::nullopt);
  }
  return out;
}

// Query A of schema.md §4.1: the clusters the local node belongs to.
Expected<std::vector<int64_t>, Error> SqlStore::local_clusters(int64_t my_node_id) {
  auto r = run("query A (clusters of the local node)",
               "SELECT " + quote_ident(names_.cluster_id) + " FROM " + table_ + " WHERE " +
                   quote_ident(names_.node_id) + " = " + conn_->param(1),
               {my_node_id});
  if (!r) return unexpected(r.error());
  std::vector<int64_t> ids;
  for (const auto& row : r->rows) {
    auto id = decode_int(row.at(0), names_.cluster_id);
    if (!id) return unexpected(Error{ErrorCode::kBadType, context(id.error())});
    ids.push_back(*id);
  }
  return ids;
}

Expected<std::vector<Row>, Error> SqlStore::load_rows(int64_t my_node_id) {
  auto clusters = local_clusters(my_node_id);
  if (!clusters) return unexpected(clusters.error());
  if (clusters->empty()) return std::vector<Row>{};
  // Query B: OR-ed equalities and no ORDER BY, as OpenSIPS builds it.
  std::string where;
  std::vector<Param> params;
  for (int64_t id : *clusters) {
    if (!where.empty()) where += " OR ";
    params.emplace_back(id);
    where += quote_ident(names_.cluster_id) + " = " + conn_->param(static_cast<int>(params.size()));
  }
  auto r = run("query B (rows of the local node's clusters)",
               "SELECT " + columns_ + " FROM " + table_ + " WHERE " + where, params);
  if (!r) return unexpected(r.error());
  return decode_all(*r);
}

std::vector<ListedRow> SqlStore::decode_listed_all(const Result& result) const {
  std::vector<ListedRow> rows;
  rows.reserve(result.rows.size());
  for (const auto& values : result.rows) rows.push_back(decode_listed(values, names_));
  return rows;
}

Expected<std::vector<ListedRow>, Error> SqlStore::list_rows() {
  auto r = run("listing rows",
               "SELECT " + columns_ + " FROM " + table_ + " ORDER BY " + quote_ident(names_.id));
  if (!r) return unexpected(r.error());
  return decode_listed_all(*r);
}

Expected<std::optional<ListedRow>, Error> SqlStore::find_listed(int64_t id) {
  auto r = run("reading a row",
               "SELECT " + columns_ + " FROM " + table_ + " WHERE " + quote_ident(names_.id) +
                   " = " + conn_->param(1),
               {id});
  if (!r) return unexpected(r.error());
  if (r->rows.empty()) return std::optional<ListedRow>();
  return std::optional<ListedRow>(decode_listed(r->rows.front(), names_));
}

Error SqlStore::not_found(int64_t id) const {
  return Error{ErrorCode::kNotFound, context("no row with " + names_.id + " " + std::to_string(id))};
}

// kDuplicate naming the pair; an update may set only one half of it, the
// other half is the stored row's.
Error SqlStore::duplicate(std::optional<int64_t> cluster_id, std::optional<int64_t> node_id,
                          std::optional<int64_t> id) {
  if ((!cluster_id || !node_id) && id) {
    if (auto row = find_listed(*id); row && *row) {
      if (!cluster_id) cluster_id = (*row)->row.cluster_id;
      if (!node_id) node_id = (*row)->row.node_id;
    }
  }
  std::string pair = cluster_id && node_id ? "node " + std::to_string(*node_id) +
                                                 " is already provisioned in cluster " +
                                                 std::to_string(*cluster_id)
                                           : "this (cluster, node) pair is already provisioned";
  return Error{ErrorCode::kDuplicate,
               context(pair + " (" + names_.cluster_id + ", " + names_.node_id +
                       " must be unique)")};
}

Expected<Row, Error> SqlStore::add_row(const RowFields& f) {
  if (!f.cluster_id || !f.node_id || !f.url)
    return unexpected(Error{ErrorCode::kInvalid,
                            context("adding a row: " + names_.cluster_id + ", " + names_.node_id +
                                    " and " + names_.url + " are required")});
  if (auto problem = fields_problem(f, names_))
    return unexpected(Error{ErrorCode::kInvalid, context("adding a row: " + *problem)});
  std::string columns, values;
  std::vector<Param> params;
  for (auto& a : assignments(f, names_)) {
    params.push_back(std::move(a.value));
    columns += (columns.empty() ? "" : ", ") + quote_ident(*a.column);
    values += (values.empty() ? "" : ", ") + conn_->param(static_cast<int>(params.size()));
  }
  auto r = conn_->query("INSERT INTO " + table_ + " (" + columns + ") VALUES (" + values +
                            ") RETURNING " + columns_,
                        params);
  if (!r && r.error().code == ErrorCode::kDuplicate)
    return unexpected(duplicate(f.cluster_id, f.node_id, std::nullopt));
  if (!r) return unexpected(with_context(r.error(), "adding a row"));
  auto rows = decode_all(*r);
  if (!rows) return unexpected(rows.error());
  return std::move(rows->at(0));
}

Expected<ListedRow, Error> SqlStore::update_row(int64_t id, const RowFields& f) {
  if (auto problem = fields_problem(f, names_))
    return unexpected(Error{ErrorCode::kInvalid, context("updating a row: " + *problem)});
  auto sets = assignments(f, names_);
  if (sets.empty()) {  // nothing to change: the row as it is
    auto row = find_listed(id);
    if (!row) return unexpected(row.error());
    if (!*row) return unexpected(not_found(id));
    return std::move(**row);
  }
  std::string set_list;
  std::vector<Param> params;
  for (auto& a : sets) {
    params.push_back(std::move(a.value));
    set_list += (set_list.empty() ? "" : ", ") + quote_ident(*a.column) + " = " +
                conn_->param(static_cast<int>(params.size()));
  }
  params.emplace_back(id);
  auto r = conn_->query("UPDATE " + table_ + " SET " + set_list + " WHERE " +
                            quote_ident(names_.id) + " = " +
                            conn_->param(static_cast<int>(params.size())) + " RETURNING " +
                            columns_,
                        params);
  if (!r && r.error().code == ErrorCode::kDuplicate)
    return unexpected(duplicate(f.cluster_id, f.node_id, id));
  if (!r) return unexpected(with_context(r.error(), "updating a row"));
  if (r->rows.empty()) return unexpected(not_found(id));
  // Leniently: a value this update did not touch may still be corrupt.
  return decode_listed(r->rows.front(), names_);
}

Expected<ListedRow, Error> SqlStore::remove_row(int64_t id) {
  auto r = run("removing a row",
               "DELETE FROM " + table_ + " WHERE " + quote_ident(names_.id) + " = " +
                   conn_->param(1) + " RETURNING " + columns_,
               {id});
  if (!r) return unexpected(r.error());
  if (r->rows.empty()) return unexpected(not_found(id));
  return decode_listed(r->rows.front(), names_);
}

std::optional<Error> SqlStore::set_state(int64_t node_id, std::optional<int64_t> cluster_id,
                                         bool enabled) {
  std::string sql = "UPDATE " + table_ + " SET " + quote_ident(names_.state) + " = " +
                    conn_->param(1) + " WHERE " + quote_ident(names_.node_id) + " = " +
                    conn_->param(2);
  std::vector<Param> params{int64_t{enabled ? 1 : 0}, node_id};
  if (cluster_id) {
    sql += " AND " + quote_ident(names_.cluster_id) + " = " + conn_->param(3);
    params.emplace_back(*cluster_id);
  }
  auto r = run("writing the state back", sql, params);
  if (!r) return r.error();
  return std::nullopt;
}

Expected<MigrateReport, Error> SqlStore::migrate() {
  auto report = run_migrations(*conn_, names_);
  if (!report) return unexpected(with_context(report.error(), "migrating"));
  return report;
}

}  // namespace lc::store::detail
