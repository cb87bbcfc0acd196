// Store::migrate(): the embedded templates, a fresh database, re-runs, a
// database made by OpenSIPS's scripts, configured names, and the table
// versions of schema.md §7.
#include <gtest/gtest.h>

#include <set>

#include "migrations.h"
#include "sql_names.h"
#include "opensips_schema.h"
#include "store_test_util.h"

namespace lc::store {
namespace {

using test::StoreTest;

std::string sql_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// What matters of a table's definition, comparable across databases:
// columns (name, type, NULL, default), indexes, and the sequence of the
// `id` column (none when empty).
std::string fingerprint(test::TestDb& db, const std::string& table, const std::string& id = "id") {
  const std::string t = sql_literal(table);
  const std::string index = table + "_clusterer_idx";
  if (db.backend() == "sqlite")
    return db.scalar("SELECT group_concat(name || ' ' || type || ' ' || \"notnull\" || ' ' || "
                     "coalesce(dflt_value, '-') || ' ' || pk, '|') FROM pragma_table_info(" + t + ")")
               .value_or("none") +
           "\n" +
           db.scalar("SELECT group_concat(\"unique\" || origin, '|') FROM pragma_index_list(" + t +
                     ")")
               .value_or("none") +
           "\n" +
           db.scalar("SELECT (instr(sql, 'AUTOINCREMENT') > 0) || ' ' || "
                     "(instr(sql, " + sql_literal(index) + ") > 0 OR instr(sql, " +
                     sql_literal(detail::quote_ident(index)) + ") > 0) "
                     "FROM sqlite_master WHERE name = " + t)
               .value_or("none");
  return db.scalar("SELECT string_agg(column_name || ' ' || data_type || "
                   "coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable || "
                   "' ' || coalesce(column_default, '-'), '|' ORDER BY ordinal_position) "
                   "FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = " + t)
             .value_or("none") +
         "\n" +
         db.scalar("SELECT string_agg(c.relname || ' ' || x.indisunique || ' ' || x.indisprimary "
                   "|| ' ' || x.indkey::text, '|' ORDER BY c.relname) FROM pg_index x "
                   "JOIN pg_class c ON c.oid = x.indexrelid "
                   "WHERE x.indrelid = quote_ident(" + t + ")::regclass")
             .value_or("none") +
         "\n" +
         (id.empty() ? "no sequence"
                     : db.scalar("SELECT s.seqmax || ' ' || s.seqcycle || ' ' || "
                                 "s.seqtypid::regtype FROM pg_sequence s WHERE s.seqrelid = "
                                 "pg_get_serial_sequence(quote_ident(" + t + "), " +
                                 sql_literal(id) + ")::regclass")
                           .value_or("none"));
}

std::string progress(test::TestDb& db, const std::string& table = "clusterer") {
  return db.scalar("SELECT table_version FROM version WHERE table_name = " +
                   sql_literal(migrations_key(table)))
      .value_or("none");
}

const std::vector<std::string> kAllFiles = {"0001_version_table.sql", "0002_clusterer_table.sql"};

class StoreMigrate : public StoreTest {};
LC_STORE_INSTANTIATE(StoreMigrate);

TEST_P(StoreMigrate, EmptyDatabaseGetsExactlyTheOpenSipsSchema) {
  auto st = open();
  ASSERT_TRUE(st);
  auto report = st->migrate();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->applied, kAllFiles);
  EXPECT_EQ(report->schema_version, 2);
  EXPECT_EQ(report->upgraded_from_version, 0);
  EXPECT_EQ(progress(*db_), "2");

  auto version = st->version_rows();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, (std::vector<std::optional<int64_t>>{4}));

  // The same definition as OpenSIPS's scripts give, in another database.
  std::string why;
  auto reference = test::make_test_db(GetParam(), &why);
  ASSERT_TRUE(reference) << why;
  std::string error;
  ASSERT_TRUE(reference->exec(test::opensips_v4(GetParam()), &error)) << error;
  EXPECT_EQ(fingerprint(*db_, "clusterer"), fingerprint(*reference, "clusterer"));
  EXPECT_EQ(fingerprint(*db_, "version", ""), fingerprint(*reference, "version", ""));
  EXPECT_NE(fingerprint(*db_, "clusterer").find("flags"), std::string::npos);
}

TEST_P(StoreMigrate, SecondRunAppliesNothingAndKeepsRows) {
  auto st = migrated();
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->add_row(test::fields(1, 1, "bin:10.0.0.1:5566")));
  auto again = st->migrate();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->schema_version, 2);
  EXPECT_EQ(again->upgraded_from_version, 0);
  auto rows = st->list_rows();
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->size(), 1u);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM version"), "2");  // clusterer + progress
}

// The progress row outlives a table dropped by hand: migrate must create the
// table again instead of saying "up to date" while the loader says to migrate.
TEST_P(StoreMigrate, DroppedTableIsCreatedAgain) {
  auto st = migrated();
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->add_row(test::fields(1, 1, "bin:10.0.0.1:5566")));
  exec("DROP TABLE clusterer");
  auto rows = st->list_rows();
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kNoSchema);

  auto again = st->migrate();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->recreated_table);
  EXPECT_EQ(again->applied, kAllFiles);
  EXPECT_EQ(again->schema_version, 2);
  EXPECT_EQ(again->upgraded_from_version, 0);
  rows = st->list_rows();
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_TRUE(rows->empty());
  ASSERT_TRUE(st->add_row(test::fields(1, 1, "bin:10.0.0.1:5566")));
  auto version = st->version_rows();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, (std::vector<std::optional<int64_t>>{4}));

  // A stale version row of the dropped table (here 2) does not survive: the
  // new table is version 4 and nothing is "upgraded".
  exec("DROP TABLE clusterer");
  exec("UPDATE version SET table_version = 2 WHERE table_name = 'clusterer'");
  auto third = st->migrate();
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_TRUE(third->recreated_table);
  EXPECT_EQ(third->upgraded_from_version, 0);
  version = st->version_rows();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, (std::vector<std::optional<int64_t>>{4}));

  // And a normal re-run is still a no-op.
  auto fourth = st->migrate();
  ASSERT_TRUE(fourth) << fourth.error().message;
  EXPECT_FALSE(fourth->recreated_table);
  EXPECT_TRUE(fourth->applied.empty());
}

TEST_P(StoreMigrate, OpenSipsDatabaseIsAcceptedUnchanged) {
  exec(test::opensips_v4(GetParam()));
  exec("INSERT INTO clusterer (id, cluster_id, node_id, url, flags, description) "
       "VALUES (10, 1, 1, 'bin:192.168.0.5:5566', 'seed', 'Node A')");
  const std::string before = fingerprint(*db_, "clusterer");

  auto st = open({}, false);
  ASSERT_TRUE(st);
  auto report = st->migrate();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->applied, kAllFiles);  // no progress row yet: all run, all no-ops
  EXPECT_EQ(report->upgraded_from_version, 0);

  EXPECT_EQ(fingerprint(*db_, "clusterer"), before);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM version WHERE table_name = 'clusterer'"), "1");
  auto version = st->version_rows();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, (std::vector<std::optional<int64_t>>{4}));
  auto rows = st->list_rows();
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).row.id, 10);
  EXPECT_EQ(rows->at(0).row.flags, "seed");
}

TEST_P(StoreMigrate, ConfiguredNamesAreQuotedEverywhere) {
  TableNames names;
  names.table = "lc \"nodes\"";
  names.id = "Row Id";
  names.cluster_id = "cluster";
  names.node_id = "node";
  names.url = "bin url";
  names.state = "on";  // a keyword: fine when quoted
  names.flags = "fl'ags";
  auto st = migrated(names);
  ASSERT_TRUE(st);
  auto version = st->version_rows();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, (std::vector<std::optional<int64_t>>{4}));
  EXPECT_EQ(progress(*db_, names.table), "2");
  const std::string shape = fingerprint(*db_, names.table, names.id);
  if (sqlite()) {
    EXPECT_EQ(shape.substr(0, 25), "Row Id INTEGER 1 - 1|clus") << shape;
    EXPECT_TRUE(shape.ends_with("\n1 1")) << shape;  // AUTOINCREMENT, index name
  } else {
    EXPECT_TRUE(shape.starts_with("Row Id integer NO nextval(")) << shape;
    EXPECT_NE(shape.find(names.table + "_clusterer_idx true false"), std::string::npos) << shape;
    EXPECT_TRUE(shape.ends_with("\n2147483647 true integer")) << shape;
  }

  RowFields f = test::fields(7, 3, "bin:10.0.0.3");
  f.flags = "seed";
  auto added = st->add_row(f);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->flags, "seed");
  EXPECT_FALSE(st->add_row(f));  // the unique index covers the renamed columns
  ASSERT_FALSE(st->set_state(3, 7, false));
  auto loaded = st->load_rows(3);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(loaded->at(0).state, 0);

  // The default table beside it is migrated on its own.
  auto plain = migrated();
  ASSERT_TRUE(plain);
  auto plain_rows = plain->list_rows();
  ASSERT_TRUE(plain_rows) << plain_rows.error().message;
  EXPECT_TRUE(plain_rows->empty());
  EXPECT_EQ(progress(*db_), "2");
}

TEST_P(StoreMigrate, Version2IsUpgradedInPlace) {
  exec(test::opensips_v2_or_v3(GetParam(), 2));
  exec("INSERT INTO clusterer (id, cluster_id, node_id, url, ls_seq_no, top_seq_no, description) "
       "VALUES (5, 1, 2, 'bin:10.0.0.2:5566', 7, 9, 'old node')");
  auto st = open({}, false);
  ASSERT_TRUE(st);
  auto report = st->migrate();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->upgraded_from_version, 2);
  auto version = st->version_rows();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, (std::vector<std::optional<int64_t>>{4}));

  const std::string shape = fingerprint(*db_, "clusterer");
  EXPECT_EQ(shape.find("seq_no"), std::string::npos) << shape;
  EXPECT_NE(shape.find("flags"), std::string::npos) << shape;
  auto rows = st->list_rows();
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).row.id, 5);
  EXPECT_EQ(rows->at(0).row.description, "old node");
  EXPECT_EQ(rows->at(0).row.flags, std::nullopt);

  auto again = st->migrate();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->upgraded_from_version, 0);
  EXPECT_TRUE(again->applied.empty());
}

TEST_P(StoreMigrate, Version3IsUpgradedInPlace) {
  exec(test::opensips_v2_or_v3(GetParam(), 3));
  auto st = open({}, false);
  ASSERT_TRUE(st);
  auto report = st->migrate();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->upgraded_from_version, 3);
  RowFields f = test::fields(1, 1, "bin:10.0.0.1");
  f.flags = "seed";
  auto added = st->add_row(f);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->flags, "seed");
}

TEST_P(StoreMigrate, Version1IsRefusedAndNothingChanges) {
  exec(test::opensips_v1(GetParam()));
  const std::string before = fingerprint(*db_, "clusterer");
  auto st = open({}, false);
  ASSERT_TRUE(st);
  auto report = st->migrate();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kBadVersion);
  EXPECT_NE(report.error().message.find("version 1"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("nodectl db"), std::string::npos) << report.error().message;
  EXPECT_EQ(progress(*db_), "none");  // rolled back
  EXPECT_EQ(fingerprint(*db_, "clusterer"), before);
  EXPECT_EQ(db_->scalar("SELECT table_version FROM version WHERE table_name = 'clusterer'"), "1");
}

TEST_P(StoreMigrate, NewerVersionIsRefused) {
  exec(test::opensips_v4(GetParam()) + "UPDATE version SET table_version = 5;");
  auto st = open({}, false);
  ASSERT_TRUE(st);
  auto report = st->migrate();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kBadVersion);
  EXPECT_NE(report.error().message.find("version 5"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find(st->display_url()), std::string::npos)
      << report.error().message;
  EXPECT_EQ(progress(*db_), "none");
}

// Templates and their text processing, without a database.

class NoDatabase final : public detail::Connection {
 public:
  explicit NoDatabase(std::string marker) : marker_(std::move(marker)) {}
  std::string_view backend() const override { return "test"; }
  std::string param(int n) const override { return marker_ + std::to_string(n); }
  Expected<detail::Result, Error> query(const std::string&,
                                        const std::vector<detail::Param>&) override {
    return unexpected(Error{ErrorCode::kQuery, "no database"});
  }
  Expected<bool, Error> table_exists(std::string_view) override { return false; }
  std::string_view begin_sql() const override { return "BEGIN"; }
  std::string_view string64_type() const override { return "TEXT"; }

 private:
  std::string marker_;
};

TEST(StoreMigrations, EmbeddedFilesAreNumberedAlikeAndRender) {
  const auto sqlite_files = detail::migrations_for("sqlite");
  const auto postgres_files = detail::migrations_for("postgres");
  ASSERT_EQ(sqlite_files.size(), kAllFiles.size());
  ASSERT_EQ(postgres_files.size(), sqlite_files.size());
  TableNames names;
  names.table = "t";
  const auto placeholders = detail::placeholders_for(names);
  for (size_t i = 0; i < sqlite_files.size(); ++i) {
    EXPECT_EQ(sqlite_files[i].number, static_cast<int64_t>(i + 1));
    EXPECT_EQ(sqlite_files[i].name, postgres_files[i].name);
    EXPECT_EQ(std::string(sqlite_files[i].name), kAllFiles[i]);
    for (const auto* m : {&sqlite_files[i], &postgres_files[i]}) {
      for (const auto& statement : detail::split_statements(m->sql)) {
        auto r = detail::render(statement, placeholders, NoDatabase("$"));
        ASSERT_TRUE(r) << m->name << ": " << r.error();
        EXPECT_EQ(r->sql.find("{{"), std::string::npos) << r->sql;
      }
    }
  }
}

TEST(StoreMigrations, SplitStatementsRespectsQuotesCommentsAndDollarQuotes) {
  const auto parts = detail::split_statements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE \"a;b\" (x CHAR(3) DEFAULT ';');\n"
      "/* block; comment */ INSERT INTO t VALUES ('it''s; fine');\n"
      "DO $lc$ BEGIN PERFORM 1; END $lc$;\n"
      "DO $$ SELECT 2; $$\n"
      "  ;  ;\n");
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], "CREATE TABLE \"a;b\" (x CHAR(3) DEFAULT ';')");
  EXPECT_EQ(parts[1], "INSERT INTO t VALUES ('it''s; fine')");
  EXPECT_EQ(parts[2], "DO $lc$ BEGIN PERFORM 1; END $lc$");
  EXPECT_EQ(parts[3], "DO $$ SELECT 2; $$");
}

TEST(StoreMigrations, RenderQuotesIdentifiersAndBindsValuesOnce) {
  TableNames names;
  names.table = "my \"t\"";
  const auto p = detail::placeholders_for(names);
  auto r = detail::render("SELECT {{id_col}} FROM {{table}} WHERE a = {{table_value}} OR "
                          "b = {{table_value}} OR c = {{id_col_value}} -- {{unique_index}}",
                          p, NoDatabase("?"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->sql, "SELECT \"id\" FROM \"my \"\"t\"\"\" WHERE a = ?1 OR b = ?1 OR c = ?2 -- "
                    "\"my \"\"t\"\"_clusterer_idx\"");
  ASSERT_EQ(r->params.size(), 2u);
  EXPECT_EQ(std::get<std::string>(r->params[0]), "my \"t\"");
  EXPECT_EQ(std::get<std::string>(r->params[1]), "id");

  auto unknown = detail::render("SELECT {{nope}}", p, NoDatabase("?"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("{{nope}}"), std::string::npos);
  EXPECT_FALSE(detail::render("SELECT {{table", p, NoDatabase("?")));
}

}  // namespace
}  // namespace lc::store
