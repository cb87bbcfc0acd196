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
  const Row& r = rows->front();
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
  EXPECT_EQ(rows->at(0).id, 10);
  EXPECT_EQ(rows->at(1).id, 20);
  EXPECT_EQ(rows->at(2).id, 30);
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
  EXPECT_EQ(updated->id, row->id);
  EXPECT_EQ(updated->priority, 5);
  EXPECT_EQ(updated->description, "after");
  EXPECT_EQ(updated->sip_addr, std::nullopt);
  EXPECT_EQ(updated->url, "bin:10.0.0.2");
  EXPECT_EQ(updated->no_ping_retries, 3);

  auto unchanged = st->update_row(row->id, RowFields{});
  ASSERT_TRUE(unchanged) << unchanged.error().message;
  EXPECT_EQ(unchanged->priority, 5);
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
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->code, ErrorCode::kNotFound);
}

TEST_P(StoreRows, RemoveDeletesOneRow) {
  auto st = migrated();
  ASSERT_TRUE(st);
  auto a = st->add_row(fields(1, 1, "bin:a"));
  auto b = st->add_row(fields(1, 2, "bin:b"));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(st->remove_row(a->id));
  auto rows = st->list_rows();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).id, b->id);
  auto again = st->remove_row(a->id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->code, ErrorCode::kNotFound);
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
    for (const auto& r : *rows)
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

TEST_P(StoreRows, MisnamedColumnIsNoSchema) {
  ASSERT_TRUE(migrated());
  TableNames names;
  names.priority = "prio";
  auto st = open(names);
  ASSERT_TRUE(st);
  auto rows = st->list_rows();
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kNoSchema);
  EXPECT_NE(rows.error().message.find("prio"), std::string::npos) << rows.error().message;
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
