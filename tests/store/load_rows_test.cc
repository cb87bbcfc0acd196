// What clusterd reads: version_rows() and load_rows() (schema.md §2, §4.1),
// including the type/NULL check, on both back ends. (load_test.cc tests the
// load rules applied to the rows afterwards, without a database.)
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "store_test_util.h"

namespace lc::store {
namespace {

using test::fields;
using test::StoreTest;

using Versions = std::vector<std::optional<int64_t>>;

class StoreLoadRows : public StoreTest {
 protected:
  // A clusterer table without the types or NOT NULLs of OpenSIPS's schema,
  // to hold the values that schema would refuse.
  void make_loose_table(const std::string& state_type = "INTEGER",
                        const std::string& sip_addr_type = "VARCHAR(64)") {
    exec("CREATE TABLE version (table_name VARCHAR(32), table_version INTEGER);"
         "INSERT INTO version VALUES ('clusterer', 4);"
         "CREATE TABLE clusterer (id INTEGER, cluster_id INTEGER, node_id INTEGER, "
         "url VARCHAR(64), state " + state_type + ", no_ping_retries INTEGER, "
         "priority INTEGER, sip_addr " + sip_addr_type + ", flags VARCHAR(64), "
         "description VARCHAR(64));");
  }
  // Row `id` of node `id` in cluster 1.
  void insert_loose(int id, const std::string& url = "'bin:a'", const std::string& state = "1",
                    const std::string& sip_addr = "NULL") {
    exec("INSERT INTO clusterer VALUES (" + std::to_string(id) + ", 1, " + std::to_string(id) +
         ", " + url + ", " + state + ", 3, 50, " + sip_addr + ", NULL, NULL)");
  }
  void expect_bad_type(const std::string& expected, const TableNames& names = {}) {
    auto st = open(names, false);
    ASSERT_TRUE(st);
    auto rows = st->load_rows(1);
    ASSERT_FALSE(rows);
    EXPECT_EQ(rows.error().code, ErrorCode::kBadType);
    EXPECT_NE(rows.error().message.find(expected), std::string::npos) << rows.error().message;
  }
};
LC_STORE_INSTANTIATE(StoreLoadRows);

TEST_P(StoreLoadRows, VersionRowsOfAMigratedTable) {
  auto st = migrated();
  ASSERT_TRUE(st);
  auto v = st->version_rows();
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, Versions{4});
}

TEST_P(StoreLoadRows, VersionRowsWithoutTheVersionTableIsNoSchema) {
  auto st = open();
  ASSERT_TRUE(st);
  auto v = st->version_rows();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kNoSchema);
  EXPECT_NE(v.error().message.find("version"), std::string::npos) << v.error().message;
}

TEST_P(StoreLoadRows, VersionRowsReportsMissingNullAndNonIntegerValues) {
  exec("CREATE TABLE version (table_name VARCHAR(32), table_version " +
       std::string(sqlite() ? "INTEGER" : "TEXT") + ")");
  TableNames names;
  names.table = "t";
  auto st = open(names, false);
  ASSERT_TRUE(st);
  auto none = st->version_rows();
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());

  exec("INSERT INTO version VALUES ('t', NULL)");
  exec("INSERT INTO version VALUES ('t', 'four')");
  exec("INSERT INTO version VALUES ('other', '4')");
  auto bad = st->version_rows();
  ASSERT_TRUE(bad) << bad.error().message;
  EXPECT_EQ(*bad, (Versions{std::nullopt, std::nullopt}));
}

TEST_P(StoreLoadRows, QueryAThenQueryB) {
  auto st = migrated();
  ASSERT_TRUE(st);
  // Node 1 is in clusters 1 and 2; cluster 3 is not its own.
  for (auto [c, n] : {std::pair{1, 1}, {1, 2}, {2, 1}, {2, 3}, {3, 4}, {3, 2}})
    ASSERT_TRUE(st->add_row(fields(c, n, "bin:10.0.0." + std::to_string(n))));
  auto rows = st->load_rows(1);
  ASSERT_TRUE(rows) << rows.error().message;
  std::set<std::pair<int64_t, int64_t>> got;
  for (const auto& r : *rows) got.insert({r.cluster_id, r.node_id});
  EXPECT_EQ(got, (std::set<std::pair<int64_t, int64_t>>{{1, 1}, {1, 2}, {2, 1}, {2, 3}}));
  EXPECT_EQ(rows->size(), 4u);
  for (const auto& r : *rows) EXPECT_EQ(r.url, "bin:10.0.0." + std::to_string(r.node_id));

  auto other = st->load_rows(4);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->size(), 2u);  // cluster 3: nodes 4 and 2
}

TEST_P(StoreLoadRows, NodeInNoClusterLoadsNothing) {
  auto st = migrated();
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->add_row(fields(1, 2, "bin:b")));
  auto rows = st->load_rows(1);
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_TRUE(rows->empty());
}

TEST_P(StoreLoadRows, MissingTableIsNoSchema) {
  exec("CREATE TABLE version (table_name VARCHAR(32), table_version INTEGER)");
  auto st = open({}, false);
  ASSERT_TRUE(st);
  auto rows = st->load_rows(1);
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kNoSchema);
}

TEST_P(StoreLoadRows, TextInAnIntegerColumnIsBadType) {
  auto st = migrated();
  ASSERT_TRUE(st);
  auto a = st->add_row(fields(1, 1, "bin:a"));
  auto b = st->add_row(fields(1, 2, "bin:b"));
  ASSERT_TRUE(a && b);
  // SQLite keeps a non-numeric text as TEXT in an INTEGER column; on
  // PostgreSQL the column itself must be changed to hold it.
  if (!sqlite())
    exec("ALTER TABLE clusterer ALTER COLUMN state TYPE VARCHAR(8) USING state::text");
  exec("UPDATE clusterer SET state = 'on' WHERE id = " + std::to_string(b->id));
  // On PostgreSQL every value of the column is text now: the first row fails.
  expect_bad_type("column state has a bad type (row id " +
                  (sqlite() ? std::to_string(b->id) + ")" : std::string()));
}

TEST_P(StoreLoadRows, BadTypeNamesTheConfiguredColumn) {
  make_loose_table("VARCHAR(8)");
  exec("ALTER TABLE clusterer RENAME COLUMN state TO enabled");
  insert_loose(1, "'bin:a'", "'on'");
  TableNames names;
  names.state = "enabled";
  expect_bad_type("column enabled has a bad type (row id 1)", names);
}

TEST_P(StoreLoadRows, NullUrlIsNull) {
  make_loose_table();
  insert_loose(1);
  insert_loose(2, "NULL");
  expect_bad_type("column url is null (row id 2)");
}

TEST_P(StoreLoadRows, NullStateIsNull) {
  make_loose_table();
  insert_loose(1, "'bin:a'", "NULL");
  expect_bad_type("column state is null (row id 1)");
}

TEST_P(StoreLoadRows, IntegerInAStringColumnIsBadType) {
  make_loose_table("INTEGER", "INTEGER");
  insert_loose(1);
  insert_loose(2, "'bin:b'", "1", "5060");
  expect_bad_type("column sip_addr has a bad type (row id 2)");
}

TEST_P(StoreLoadRows, QueryAChecksClusterIdToo) {
  make_loose_table();
  exec("INSERT INTO clusterer VALUES (1, NULL, 1, 'bin:a', 1, 3, 50, NULL, NULL, NULL)");
  expect_bad_type("column cluster_id is null");
}

}  // namespace
}  // namespace lc::store
