// The Store of store.h, written once over a Connection: the statements are
// the same on SQLite and PostgreSQL except for the parameter markers, which
// the Connection supplies. Private to the store.
#pragma once

#include <memory>
#include <string>

#include "connection.h"
#include "libcluster/store/store.h"

namespace lc::store::detail {

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<Connection> conn, TableNames names, std::string display_url);

  std::string_view backend() const override { return conn_->backend(); }
  const std::string& display_url() const override { return display_url_; }

  Expected<std::vector<std::optional<int64_t>>, Error> version_rows() override;
  Expected<std::vector<Row>, Error> load_rows(int64_t my_node_id) override;
  Expected<std::vector<ListedRow>, Error> list_rows() override;
  Expected<Row, Error> add_row(const RowFields& fields) override;
  Expected<ListedRow, Error> update_row(int64_t id, const RowFields& fields) override;
  Expected<ListedRow, Error> remove_row(int64_t id) override;
  std::optional<Error> set_state(int64_t node_id, std::optional<int64_t> cluster_id,
                                 bool enabled) override;
  Expected<MigrateReport, Error> migrate() override;

 private:
  // "<backend> <url>, table "<table>": <what>" for messages.
  std::string context(std::string_view what) const;
  Error with_context(Error e, std::string_view operation) const;
  // "; the table has no column "X" (the X_col setting)" for a kNoColumn
  // driver message, or "".
  std::string missing_column_note(std::string_view driver_message) const;
  Expected<Result, Error> run(std::string_view operation, const std::string& sql,
                              const std::vector<Param>& params = {});
  Expected<std::vector<Row>, Error> decode_all(const Result& result) const;
  std::vector<ListedRow> decode_listed_all(const Result& result) const;
  Expected<std::vector<int64_t>, Error> local_clusters(int64_t my_node_id);
  Expected<std::optional<ListedRow>, Error> find_listed(int64_t id);
  Error not_found(int64_t id) const;
  Error duplicate(std::optional<int64_t> cluster_id, std::optional<int64_t> node_id,
                  std::optional<int64_t> id);

  std::unique_ptr<Connection> conn_;
  TableNames names_;
  std::string display_url_;
  std::string table_;    // quoted
  std::string columns_;  // the ten columns, quoted
};

}  // namespace lc::store::detail
