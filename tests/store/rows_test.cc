// Provisioning (nodectl db): add, list, update, remove, set_state, and
// their errors: kDuplicate, kNotFound, kInvalid, kNoSchema, kQuery.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace lc::store {
namespace {

using test::fields;
using test::StoreTest;

class StoreRows : public StoreTest {};
LC_STORE_INSTANTIATE(StoreRows);

TEST_P(StoreRows, AddTakesTheColumnDefaults) {
  auto st = migrated();
  ASSERT_TRUE(st);
  auto row = st->add_row(fields(1, 2, "bin:10.0.0.2:5566"));
  ASSERT_TRUE(row) << row.error().message;
  EXPECT_GT(row->id, 0);
  EXPECT_EQ(row->cluster_id, 1);
  EXPECT_EQ(row->node_id, 2);
  EXPECT_EQ(row->url, "bin:10.0.0.2:5566");
  EXPECT_EQ(row->state, 1);
  EXPECT_EQ(row->no_ping_retries, 3);
  EXPECT_EQ(row->priority, 50);
  EXPECT_EQ(row->sip_addr, std::nullopt);
  EXPECT_EQ(row->flags, std::nullopt);
  EXPECT_EQ(row->description, std::nullopt);
}

TEST_P(StoreRows, AddStoresEveryField) {
  auto st = migrated();
  ASSERT_TRUE(st);
  RowFields f = fields(3, 4, "bins:node4.example:5556");
  f.state = 0;
  f.no_ping_retries = 0;
  f.priority = 7;
  f.sip_addr = "10.0.0.4:5060";
  f.flags = "seed";
  f.description = "Node D";
  auto row = st->add_row(f);
  ASSERT_TRUE(row) << row.error().message;
  auto rows = st->list_rows();
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  const Row& r = rows->front().row;
  EXPECT_EQ(r.id, row->id);
  EXPECT_EQ(r.state, 0);
  EXPECT_EQ(r.no_ping_retries, 0);
  EXPECT_EQ(r.priority, 7);
  EXPECT_EQ(r.sip_addr, "10.0.0.4:5060");
  EXPECT_EQ(r.flags, "seed");
  EXPECT_EQ(r.description, "Node D");
}

TEST_P(StoreRows, ListIsOrderedById) {
  auto st = migrated();
  ASSERT_TRUE(st);
  exec("INSERT INTO clusterer (id, cluster_id, node_id, url) VALUES (30, 1, 3, 'bin:c')");
  exec("INSERT INTO clusterer (id, cluster_id, node_id, url) VALUES (10, 1, 1, 'bin:a')");
  exec("INSERT INTO clusterer (id, cluster_id, node_id, url) VALUES (20, 1, 2, 'bin:b')");
  auto rows = st->list_rows();
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ(rows->at(0).row.id, 10);
  EXPECT_EQ(rows->at(1).row.id, 20);
  EXPECT_EQ(rows->at(2).row.id, 30);
}

TEST_P(StoreRows, UpdateChangesOnlyTheGivenFields) {
  auto st = migrated();
  ASSERT_TRUE(st);
  RowFields f = fields(1, 2, "bin:10.0.0.2");
  f.description = "before";
  f.sip_addr = "10.0.0.2";
  auto row = st->add_row(f);
  ASSERT_TRUE(row);

  RowFields change;
  change.priority = 5;
  change.description = "after";
  change.sip_addr = "";  // empty: NULL
  auto updated = st->update_row(row->id, change);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->row.id, row->id);
  EXPECT_EQ(updated->row.priority, 5);
  EXPECT_EQ(updated->row.description, "after");
  EXPECT_EQ(updated->row.sip_addr, std::nullopt);
  EXPECT_EQ(updated->row.url, "bin:10.0.0.2");
  EXPECT_EQ(updated->row.no_ping_retries, 3);

  auto unchanged = st->update_row(row->id, RowFields{});
  ASSERT_TRUE(unchanged) << unchanged.error().message;
  EXPECT_EQ(unchanged->row.priority, 5);
}

TEST_P(StoreRows, UnknownIdIsNotFound) {
  auto st = migrated();
  ASSERT_TRUE(st);
  RowFields change;
  change.priority = 1;
  for (const RowFields& f : {change, RowFields{}}) {
    auto r = st->update_row(99, f);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_NE(r.error().message.find("99"), std::string::npos) << r.error().message;
  }
  auto removed = st->remove_row(99);
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code, ErrorCode::kNotFound);
}

TEST_P(StoreRows, RemoveDeletesOneRow) {
  auto st = migrated();
  ASSERT_TRUE(st);
  auto a = st->add_row(fields(1, 1, "bin:a"));
  auto b = st->add_row(fields(1, 2, "bin:b"));
  ASSERT_TRUE(a && b);
  auto removed = st->remove_row(a->id);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->row.url, "bin:a");  // the row as it was
  EXPECT_TRUE(removed->bad.empty());
  auto rows = st->list_rows();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).row.id, b->id);
  auto again = st->remove_row(a->id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_P(StoreRows, DuplicatePairIsNamed) {
  auto st = migrated();
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->add_row(fields(1, 2, "bin:a")));
  auto dup = st->add_row(fields(1, 2, "bin:other"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kDuplicate);
  EXPECT_NE(dup.error().message.find("node 2 is already provisioned in cluster 1"),
            std::string::npos)
      << dup.error().message;

  // An update that sets only node_id: the cluster comes from the stored row.
  auto other = st->add_row(fields(1, 3, "bin:b"));
  ASSERT_TRUE(other);
  RowFields change;
  change.node_id = 2;
  auto moved = st->update_row(other->id, change);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::kDuplicate);
  EXPECT_NE(moved.error().message.find("node 2 is already provisioned in cluster 1"),
            std::string::npos)
      << moved.error().message;
  // The same node in another cluster is fine.
  EXPECT_TRUE(st->add_row(fields(2, 2, "bin:a")));
}

TEST_P(StoreRows, MissingOrOutOfRangeValuesAreInvalid) {
  auto st = migrated();
  ASSERT_TRUE(st);
  RowFields no_url;
  no_url.cluster_id = 1;
  no_url.node_id = 1;
  auto r = st->add_row(no_url);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  EXPECT_NE(r.error().message.find("required"), std::string::npos) << r.error().message;

  RowFields big = fields(int64_t{1} << 32, 1, "bin:a");
  r = st->add_row(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  EXPECT_NE(r.error().message.find("cluster_id 4294967296"), std::string::npos)
      << r.error().message;

  auto row = st->add_row(fields(1, 1, "bin:a"));
  ASSERT_TRUE(row);
  RowFields negative;
  negative.priority = -(int64_t{1} << 40);
  auto u = st->update_row(row->id, negative);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::kInvalid);
}

TEST_P(StoreRows, SetStateForOneClusterOrAll) {
  auto st = migrated();
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->add_row(fields(1, 1, "bin:a")));
  ASSERT_TRUE(st->add_row(fields(2, 1, "bin:a")));
  ASSERT_TRUE(st->add_row(fields(1, 2, "bin:b")));
  ASSERT_TRUE(st->add_row(fields(2, 2, "bin:b")));
  auto state = [&](int64_t cluster, int64_t node) {
    auto rows = st->list_rows();
    EXPECT_TRUE(rows);
    for (const auto& [r, bad] : *rows)
      if (r.cluster_id == cluster && r.node_id == node) return r.state;
    return int64_t{-1};
  };

  // Another node: WHERE node_id AND cluster_id.
  ASSERT_FALSE(st->set_state(2, 1, false));
  EXPECT_EQ(state(1, 2), 0);
  EXPECT_EQ(state(2, 2), 1);
  EXPECT_EQ(state(1, 1), 1);

  // The local node: every cluster.
  ASSERT_FALSE(st->set_state(1, std::nullopt, false));
  EXPECT_EQ(state(1, 1), 0);
  EXPECT_EQ(state(2, 1), 0);
  EXPECT_EQ(state(2, 2), 1);

  ASSERT_FALSE(st->set_state(1, std::nullopt, true));
  EXPECT_EQ(state(1, 1), 1);
  EXPECT_EQ(state(2, 1), 1);
  // No such node: nothing changes, and it is not an error (as OpenSIPS).
  EXPECT_FALSE(st->set_state(9, 1, false));
}

TEST_P(StoreRows, MissingTableIsNoSchema) {
  auto st = open();  // created, but never migrated
  ASSERT_TRUE(st);
  auto rows = st->list_rows();
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kNoSchema);
  EXPECT_NE(rows.error().message.find(st->display_url()), std::string::npos)
      << rows.error().message;
  EXPECT_NE(rows.error().message.find("clusterer"), std::string::npos) << rows.error().message;
  auto add = st->add_row(fields(1, 1, "bin:a"));
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().code, ErrorCode::kNoSchema);
  auto state = st->set_state(1, std::nullopt, true);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->code, ErrorCode::kNoSchema);
}

// A table that exists without a configured column is not a missing schema
// (migrate would not add the column): kNoColumn naming the setting.
TEST_P(StoreRows, MisnamedColumnIsNoColumnNamingTheSetting) {
  ASSERT_TRUE(migrated());
  TableNames names;
  names.priority = "prio";
  auto st = open(names);
  ASSERT_TRUE(st);
  auto rows = st->list_rows();
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kNoColumn);
  EXPECT_NE(rows.error().message.find("the table has no column \"prio\" (the priority_col setting)"),
            std::string::npos)
      << rows.error().message;
  names = {};
  names.node_id = "nid";
  auto load = open(names)->load_rows(1);
  ASSERT_FALSE(load);
  EXPECT_EQ(load.error().code, ErrorCode::kNoColumn);
  EXPECT_NE(load.error().message.find("(the node_id_col setting)"), std::string::npos)
      << load.error().message;
}

// One corrupt value (raw SQL; SQLite does not enforce column types) neither
// hides the other rows nor blocks updating or removing any row by id.
TEST_P(StoreRows, CorruptValueIsListedMarkedAndTheRowsStayEditable) {
  auto st = migrated();
  ASSERT_TRUE(st);
  auto good = st->add_row(fields(1, 1, "bin:a"));
  auto bad = st->add_row(fields(1, 2, "bin:b"));
  ASSERT_TRUE(good && bad);
  // PostgreSQL's INTEGER column cannot hold text: a NULL description is
  // fine, so its corrupt value is a NULL url (after dropping NOT NULL).
  if (sqlite())
    exec("UPDATE clusterer SET state = 'abc' WHERE id = " + std::to_string(bad->id));
  else
    exec("ALTER TABLE clusterer ALTER COLUMN url DROP NOT NULL; UPDATE clusterer SET url = NULL "
         "WHERE id = " + std::to_string(bad->id));
  const std::string column = sqlite() ? "state" : "url";

  auto rows = st->list_rows();
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_TRUE(rows->at(0).bad.empty());
  ASSERT_EQ(rows->at(1).bad.size(), 1u);
  EXPECT_EQ(rows->at(1).row.id, bad->id);
  EXPECT_EQ(rows->at(1).bad[0].column, column);
  EXPECT_EQ(rows->at(1).bad[0].raw, sqlite() ? "abc" : "NULL");
  EXPECT_NE(rows->at(1).bad[0].problem.find("column " + column), std::string::npos);

  // Another row's update, and the bad row's own update of another field.
  RowFields change;
  change.priority = 7;
  auto other = st->update_row(good->id, change);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_TRUE(other->bad.empty());
  auto same = st->update_row(bad->id, change);
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->row.priority, 7);
  EXPECT_EQ(same->bad.size(), 1u);
  // The load still refuses it, as OpenSIPS does (schema.md §4.1).
  auto load = st->load_rows(1);
  ASSERT_FALSE(load);
  EXPECT_EQ(load.error().code, ErrorCode::kBadType);

  auto removed = st->remove_row(bad->id);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->bad.size(), 1u);
  auto left = st->list_rows();
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->at(0).row.id, good->id);
}

TEST_P(StoreRows, OtherDatabaseErrorsAreQueryErrors) {
  // A table with a CHECK constraint of its own: a failure the store has no
  // specific code for.
  exec("CREATE TABLE clusterer (id " + std::string(sqlite() ? "INTEGER" : "SERIAL") +
       " PRIMARY KEY, cluster_id INTEGER, node_id INTEGER, "
       "url VARCHAR(64), state INTEGER DEFAULT 1, no_ping_retries INTEGER DEFAULT 3, "
       "priority INTEGER DEFAULT 50 CHECK (priority < 100), sip_addr VARCHAR(64), "
       "flags VARCHAR(64), description VARCHAR(64))");
  auto st = open({}, false);
  ASSERT_TRUE(st);
  RowFields f = fields(1, 1, "bin:a");
  f.priority = 500;
  auto add = st->add_row(f);
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().code, ErrorCode::kQuery);
  EXPECT_NE(add.error().message.find("adding a row"), std::string::npos) << add.error().message;
  EXPECT_NE(add.error().message.find(st->display_url()), std::string::npos) << add.error().message;
}

}  // namespace
}  // namespace lc::store
