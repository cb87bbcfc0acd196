// `nodectl db ...` end to end: the real nodectl binary against a temporary
// SQLite file, and against PostgreSQL when LC_TEST_POSTGRES_URL is set
// (`scripts/postgres-test-server start` prints one; LC_REQUIRE_POSTGRES=1 turns the
// skip into a failure). On PostgreSQL every test uses its own table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include "../store/opensips_schema.h"
#include "libcluster/store/store.h"
#include "run_nodectl.h"

namespace lc::nodectl_test {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// NODECTL_DB_URL removed from nodectl's environment unless a test sets it.
const std::map<std::string, std::string> kCleanEnv = {{"NODECTL_DB_URL", ""}};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A table name unique to this test run (version.table_name holds 32 chars).
std::string unique_table() {
  static int counter = 0;
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  char buf[40];
  std::snprintf(buf, sizeof buf, "nodectl_%x_%x_%d", static_cast<unsigned>(::getpid()),
                static_cast<unsigned>(now & 0xffffff), ++counter);
  return buf;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "lc-nodectl-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::vector<std::string> kHeader = {"ID",    "CLUSTER_ID",      "NODE_ID",  "URL",
                                          "STATE", "NO_PING_RETRIES", "PRIORITY", "SIP_ADDR",
                                          "FLAGS", "DESCRIPTION"};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string show(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class DbCommandTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      url_ = env("LC_TEST_POSTGRES_URL");
      if (url_.empty()) {
        if (env("LC_REQUIRE_POSTGRES") == "1")
          FAIL() << "LC_REQUIRE_POSTGRES=1 but LC_TEST_POSTGRES_URL is not set "
                    "(start one with scripts/postgres-test-server start)";
        GTEST_SKIP() << "LC_TEST_POSTGRES_URL not set";
      }
      table_ = unique_table();
    } else {
      url_ = "sqlite://" + dir_.path() + "/clusterer.db";  // the path is absolute: sqlite:///tmp/…
    }
  }

  // PostgreSQL: the test's table and its version rows go (nodectl has no
  // "drop"; libpq directly, the names as bound values or quoted).
  void TearDown() override {
    if (GetParam() != "postgres" || url_.empty()) return;
    PGconn* c = PQconnectdb(url_.c_str());
    if (PQstatus(c) == CONNECTION_OK) {
      for (const auto& t : tables_) {
        char* ident = PQescapeIdentifier(c, t.c_str(), t.size());
        PQclear(PQexec(c, ("DROP TABLE IF EXISTS " + std::string(ident)).c_str()));
        PQfreemem(ident);
        const std::string key = lc::store::migrations_key(t);
        const char* params[2] = {t.c_str(), key.c_str()};
        PQclear(PQexecParams(c, "DELETE FROM version WHERE table_name IN ($1, $2)", 2, nullptr,
                             params, nullptr, nullptr, 0));
      }
    }
    PQfinish(c);
  }

  // Raw SQL on the test's database, where `{t}` is the test's table (quoted):
  // what an operator's hand-written SQL could leave behind.
  void exec_sql(std::string sql) {
    const std::string table = table_.empty() ? "clusterer" : table_;
    for (auto at = sql.find("{t}"); at != std::string::npos; at = sql.find("{t}"))
      sql.replace(at, 3, "\"" + table + "\"");
    if (GetParam() == "sqlite") {
      SQLite::Database db(dir_.path() + "/clusterer.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec(sql);
      return;
    }
    tables_.insert(table);
    PGconn* c = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    const auto status = PQresultStatus(r);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << sql << ": "
                                                                          << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
  }

  // nodectl db SUB --db_url URL [--db_table T] ARGS...
  RunResult db(const std::string& sub, std::vector<std::string> args = {},
               const std::vector<std::string>& names = {}) {
    std::vector<std::string> argv = {"db", sub, "--db_url", url_};
    if (!table_.empty()) {
      argv.insert(argv.end(), {"--db_table", table_});
      tables_.insert(table_);
    }
    argv.insert(argv.end(), names.begin(), names.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return run_nodectl(argv, kCleanEnv);
  }

  void migrate() {
    auto r = db("migrate");
    ASSERT_EQ(r.exit_code, 0) << show(r);
  }

  Json list_json(const std::vector<std::string>& names = {}) {
    auto r = db("list", {"-o", "json"}, names);
    EXPECT_EQ(r.exit_code, 0) << show(r);
    return Json::parse(r.out);
  }

  int64_t add(std::vector<std::string> args) {
    args.insert(args.begin(), {"-o", "json"});
    auto r = db("add", args);
    EXPECT_EQ(r.exit_code, 0) << show(r);
    if (r.exit_code != 0) return 0;
    return Json::parse(r.out)["id"].get<int64_t>();
  }

  ScratchDir dir_;
  std::string url_;
  std::string table_;  // empty: the default "clusterer" (SQLite: one file per test)
  std::set<std::string> tables_;  // every table name given to nodectl
};

TEST_P(DbCommandTest, MigrateTwiceSecondDoesNothing) {
  auto first = db("migrate", {"-o", "table"});
  ASSERT_EQ(first.exit_code, 0) << show(first);
  EXPECT_NE(first.out.find("applied "), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("schema version "), std::string::npos) << first.out;

  auto second = db("migrate", {"-o", "table"});
  ASSERT_EQ(second.exit_code, 0) << show(second);
  EXPECT_EQ(second.out.find("applied "), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("up to date"), std::string::npos) << second.out;

  auto json = db("migrate", {"-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << show(json);
  auto o = Json::parse(json.out);
  EXPECT_TRUE(o["applied"].is_array() && o["applied"].empty()) << json.out;
  EXPECT_GE(o["schema_version"].get<int64_t>(), 1);
  EXPECT_TRUE(o["database"].is_string());

  // An empty table lists as an empty array.
  EXPECT_EQ(list_json(), Json::array());
}

TEST_P(DbCommandTest, AddListUpdateRemove) {
  migrate();
  auto added = db("add", {"-o", "json", "--cluster_id", "1", "--node_id", "1", "--url",
                          "bin:10.0.0.1:5566", "--flags", "seed", "--description", "Node A"});
  ASSERT_EQ(added.exit_code, 0) << show(added);
  const Json a = Json::parse(added.out);
  const Json expected_a = {{"id", a["id"]},
                           {"cluster_id", 1},
                           {"node_id", 1},
                           {"url", "bin:10.0.0.1:5566"},
                           {"state", 1},
                           {"no_ping_retries", 3},
                           {"priority", 50},
                           {"sip_addr", nullptr},
                           {"flags", "seed"},
                           {"description", "Node A"}};
  EXPECT_EQ(a, expected_a);
  EXPECT_GE(a["id"].get<int64_t>(), 1);

  // Table output of add: a header and the row, NULL as "-".
  auto added_b = db("add", {"-o", "table", "--cluster_id", "1", "--node_id", "2", "--url",
                            "bins:[::1]:5567", "--state", "0", "--no_ping_retries", "0",
                            "--priority", "7", "--sip_addr", "10.0.0.2:5060"});
  ASSERT_EQ(added_b.exit_code, 0) << show(added_b);
  const auto b_lines = lines(added_b.out);
  ASSERT_EQ(b_lines.size(), 2u) << added_b.out;
  EXPECT_EQ(words(b_lines[0]), kHeader) << added_b.out;
  const auto b_words = words(b_lines[1]);
  ASSERT_EQ(b_words.size(), 10u) << added_b.out;
  EXPECT_EQ(std::vector<std::string>(b_words.begin() + 1, b_words.end()),
            (std::vector<std::string>{"1", "2", "bins:[::1]:5567", "0", "0", "7", "10.0.0.2:5060",
                                      "-", "-"}))
      << added_b.out;

  auto rows = list_json();
  ASSERT_EQ(rows.size(), 2u) << rows.dump();
  EXPECT_EQ(rows[0], expected_a);
  const int64_t b_id = rows[1]["id"].get<int64_t>();
  EXPECT_GT(b_id, a["id"].get<int64_t>());
  EXPECT_EQ(rows[1]["state"], 0);
  EXPECT_EQ(rows[1]["no_ping_retries"], 0);
  EXPECT_EQ(rows[1]["priority"], 7);
  EXPECT_EQ(rows[1]["sip_addr"], "10.0.0.2:5060");
  EXPECT_TRUE(rows[1]["flags"].is_null());
  EXPECT_TRUE(rows[1]["description"].is_null());

  auto table = db("list", {"-o", "table"});
  ASSERT_EQ(table.exit_code, 0) << show(table);
  const auto t_lines = lines(table.out);
  ASSERT_EQ(t_lines.size(), 3u) << table.out;
  EXPECT_EQ(words(t_lines[0]), kHeader) << table.out;
  // Columns line up: each value starts where its header does.
  EXPECT_EQ(t_lines[1].find("bin:10.0.0.1:5566"), t_lines[0].find("URL")) << table.out;
  EXPECT_EQ(t_lines[1].find("Node A"), t_lines[0].find("DESCRIPTION")) << table.out;
  EXPECT_EQ(t_lines[2].find("10.0.0.2:5060"), t_lines[0].find("SIP_ADDR")) << table.out;

  // Update: given fields change, the others stay; "" sets NULL.
  auto upd = db("update", {"-o", "json", "--id", std::to_string(b_id), "--state", "1",
                           "--sip_addr", "", "--description", "Node B", "--url",
                           "bin:10.0.0.2"});
  ASSERT_EQ(upd.exit_code, 0) << show(upd);
  auto b = Json::parse(upd.out);
  EXPECT_EQ(b["id"], b_id);
  EXPECT_EQ(b["state"], 1);
  EXPECT_EQ(b["priority"], 7);
  EXPECT_TRUE(b["sip_addr"].is_null()) << b.dump();
  EXPECT_EQ(b["description"], "Node B");
  EXPECT_EQ(b["url"], "bin:10.0.0.2");
  EXPECT_EQ(list_json()[1], b);

  auto rm = db("remove", {"-o", "table", "--id", std::to_string(a["id"].get<int64_t>())});
  ASSERT_EQ(rm.exit_code, 0) << show(rm);
  EXPECT_EQ(rm.out, "removed id " + std::to_string(a["id"].get<int64_t>()) +
                        ": cluster 1, node 1, bin:10.0.0.1:5566\n");
  rows = list_json();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], b_id);

  // Removing or updating it again: not found, exit 1.
  auto again = db("remove", {"--id", std::to_string(a["id"].get<int64_t>())});
  EXPECT_EQ(again.exit_code, 1) << show(again);
  EXPECT_NE(again.err.find("no row with id"), std::string::npos) << again.err;
  auto upd_missing = db("update", {"--id", "999999", "--priority", "1"});
  EXPECT_EQ(upd_missing.exit_code, 1) << show(upd_missing);
  EXPECT_NE(upd_missing.err.find("no row with id 999999"), std::string::npos) << upd_missing.err;
}

TEST_P(DbCommandTest, DuplicateClusterAndNodeIsRefused) {
  migrate();
  const int64_t first = add({"--cluster_id", "1", "--node_id", "2", "--url", "bin:10.0.0.2:5566"});
  const int64_t other = add({"--cluster_id", "2", "--node_id", "2", "--url", "bin:10.0.0.2:5566"});
  ASSERT_GT(first, 0);
  ASSERT_GT(other, 0);

  auto dup = db("add", {"--cluster_id", "1", "--node_id", "2", "--url", "bin:10.0.0.9:5566"});
  EXPECT_EQ(dup.exit_code, 1) << show(dup);
  EXPECT_NE(dup.err.find("node 2 is already provisioned in cluster 1 (id " + std::to_string(first)),
            std::string::npos)
      << dup.err;
  EXPECT_TRUE(dup.out.empty()) << dup.out;

  // Moving the other row onto the same pair is refused too.
  auto upd = db("update", {"--id", std::to_string(other), "--cluster_id", "1"});
  EXPECT_EQ(upd.exit_code, 1) << show(upd);
  EXPECT_NE(upd.err.find("already provisioned in cluster 1"), std::string::npos) << upd.err;
  EXPECT_EQ(list_json().size(), 2u);
}

TEST_P(DbCommandTest, BadValuesAreRefusedBeforeTheDatabase) {
  // Never migrated: any statement would fail with exit 2, so exit 1 proves
  // that the value was refused first.
  struct Case {
    std::string sub;
    std::vector<std::string> args;
    std::string message;
  };
  const std::string url_ok = "bin:10.0.0.1:5566";
  const std::vector<Case> cases = {
      {"add", {"--cluster_id", "0", "--node_id", "1", "--url", url_ok}, "--cluster_id must be"},
      {"add", {"--cluster_id", "1", "--node_id", "-3", "--url", url_ok}, "--node_id must be"},
      {"add", {"--cluster_id", "x", "--node_id", "1", "--url", url_ok}, "--cluster_id must be"},
      {"add", {"--cluster_id", "1", "--node_id", "99999999999", "--url", url_ok}, "--node_id"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", "udp:10.0.0.1:5060"},
       "unsupported protocol"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", "bin:10.0.0.1:0"}, "port"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", "bin:10.0.0.1:70000"}, "port"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", "bin::::1:5566"}, "url"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", "bin:[::1:5566"}, "']'"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", ""}, "--url"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", url_ok, "--state", "2"},
       "--state must be 0 or 1"},
      {"add", {"--cluster_id", "1", "--node_id", "1", "--url", url_ok, "--priority", "-1"},
       "--priority"},
      {"add",
       {"--cluster_id", "1", "--node_id", "1", "--url", url_ok, "--description",
        std::string(65, 'd')},
       "at most 64"},
      {"update", {"--id", "0", "--priority", "1"}, "--id must be"},
      {"update", {"--id", "1", "--no_ping_retries", "-2"}, "--no_ping_retries"},
      {"update", {"--id", "1", "--url", "bin:a b:1"}, "invalid character"},
      {"remove", {"--id", "-1"}, "--id must be"},
      {"remove", {"--id", "abc"}, "--id must be"},
  };
  for (const auto& c : cases) {
    auto r = db(c.sub, c.args);
    EXPECT_EQ(r.exit_code, 1) << c.sub << " " << testing::PrintToString(c.args) << "\n" << show(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos)
        << c.sub << " " << testing::PrintToString(c.args) << "\n" << r.err;
  }
  if (GetParam() == "sqlite") {
    EXPECT_FALSE(fs::exists(dir_.path() + "/clusterer.db"));
  }
}

TEST_P(DbCommandTest, UsageErrorsExit2) {
  migrate();
  // update without any field
  auto r = db("update", {"--id", "1"});
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("nothing to change"), std::string::npos) << r.err;
  // add without --url
  r = db("add", {"--cluster_id", "1", "--node_id", "1"});
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("--url"), std::string::npos) << r.err;
  // no --db_url at all
  r = run_nodectl({"db", "list"}, kCleanEnv);
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("--db_url is required"), std::string::npos) << r.err;
  // `db` alone, an unknown option, a bad -o
  EXPECT_EQ(run_nodectl({"db"}, kCleanEnv).exit_code, 2);
  EXPECT_EQ(db("list", {"--bogus"}).exit_code, 2);
  EXPECT_EQ(db("list", {"-o", "yaml"}).exit_code, 2);
  // bad names
  r = db("list", {"--url_col", "node_id"});
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("same name as --node_id_col"), std::string::npos) << r.err;
}

TEST_P(DbCommandTest, NeverMigratedNamesMigrate) {
  if (GetParam() == "sqlite") std::ofstream(dir_.path() + "/clusterer.db").close();  // empty file
  for (const auto& sub : {"list", "add", "remove"}) {
    std::vector<std::string> args;
    if (std::string(sub) == "add") args = {"--cluster_id", "1", "--node_id", "1", "--url", "bin:h:1"};
    if (std::string(sub) == "remove") args = {"--id", "1"};
    auto r = db(sub, args);
    EXPECT_EQ(r.exit_code, 2) << sub << "\n" << show(r);
    EXPECT_NE(r.err.find("nodectl db migrate"), std::string::npos) << sub << "\n" << r.err;
  }
}

TEST_P(DbCommandTest, FlagsOtherThanSeedWarn) {
  migrate();
  auto r = db("add", {"-o", "json", "--cluster_id", "1", "--node_id", "3", "--url", "h3",
                      "--flags", "Seed"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_EQ(Json::parse(r.out)["flags"], "Seed");
  r = db("add", {"--cluster_id", "1", "--node_id", "4", "--url", "h4", "--flags", "seed,x"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// --db_table and every *_col renamed: migrate creates them, add and list use
// them, JSON keys are the configured names.
TEST_P(DbCommandTest, CustomTableAndColumnNames) {
  const std::vector<std::string> names = {
      "--id_col", "rid", "--cluster_id_col", "cid", "--node_id_col", "nid",
      "--url_col", "addr", "--state_col", "enabled", "--no_ping_retries_col", "retries",
      "--priority_col", "prio", "--sip_addr_col", "sip", "--flags_col", "flg",
      "--description_col", "descr"};
  if (table_.empty()) table_ = "nodes";
  auto m = db("migrate", {}, names);
  ASSERT_EQ(m.exit_code, 0) << show(m);
  auto a = db("add", {"-o", "json", "--cluster_id", "5", "--node_id", "6", "--url",
                      "bin:10.1.1.1:5566", "--description", "custom"},
              names);
  ASSERT_EQ(a.exit_code, 0) << show(a);
  auto row = Json::parse(a.out);
  std::vector<std::string> keys;
  for (const auto& [k, v] : row.items()) keys.push_back(k);
  const std::vector<std::string> expected = {"rid",     "cid",  "nid", "addr", "enabled",
                                             "retries", "prio", "sip", "flg",  "descr"};
  EXPECT_EQ(keys, expected);
  auto rows = list_json(names);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], row);
  EXPECT_EQ(rows[0]["cid"], 5);
  EXPECT_EQ(rows[0]["descr"], "custom");
  auto t = db("list", {"-o", "table"}, names);
  ASSERT_EQ(t.exit_code, 0) << show(t);
  EXPECT_EQ(t.out.rfind("RID  CID  NID  ADDR", 0), 0u) << t.out;
  // Update and remove through the custom id column.
  const std::string rid = std::to_string(row["rid"].get<int64_t>());
  auto u = db("update", {"-o", "json", "--id", rid, "--priority", "9"}, names);
  ASSERT_EQ(u.exit_code, 0) << show(u);
  EXPECT_EQ(Json::parse(u.out)["prio"], 9);
  auto r = db("remove", {"--id", rid}, names);
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(list_json(names), Json::array());
}

// A corrupt value (raw SQL: text in SQLite's INTEGER state, a NULL url on
// PostgreSQL) is listed, marked and named in a warning, and every row can
// still be updated and removed by id (decision S14).
TEST_P(DbCommandTest, CorruptRowIsShownAndCanBeFixedOrRemoved) {
  migrate();
  const int64_t good = add({"--cluster_id", "1", "--node_id", "1", "--url", "bin:10.0.0.1:5566"});
  const int64_t bad = add({"--cluster_id", "1", "--node_id", "2", "--url", "bin:10.0.0.2:5566"});
  const int64_t third = add({"--cluster_id", "1", "--node_id", "3", "--url", "bin:10.0.0.3:5566"});
  const bool sqlite = GetParam() == "sqlite";
  const std::string column = sqlite ? "state" : "url";
  if (sqlite)
    exec_sql("UPDATE {t} SET state = 'abc' WHERE id = " + std::to_string(bad));
  else
    exec_sql("ALTER TABLE {t} ALTER COLUMN url DROP NOT NULL; UPDATE {t} SET url = NULL WHERE id = " +
             std::to_string(bad));

  auto listed = db("list", {"-o", "json"});
  ASSERT_EQ(listed.exit_code, 0) << show(listed);
  auto rows = Json::parse(listed.out);
  ASSERT_EQ(rows.size(), 3u) << listed.out;
  EXPECT_FALSE(rows[0].contains("bad_columns"));
  EXPECT_EQ(rows[1]["id"], bad);
  EXPECT_EQ(rows[1]["bad_columns"], Json::array({column}));
  EXPECT_EQ(rows[1][column], sqlite ? Json("abc") : Json(nullptr));
  const std::string id = std::to_string(bad);
  EXPECT_NE(listed.err.find("warning: id " + id + ": column " + column), std::string::npos)
      << listed.err;
  EXPECT_NE(listed.err.find("nodectl db update --id " + id + " --" + column + " VALUE"),
            std::string::npos) << listed.err;
  EXPECT_NE(listed.err.find("nodectl db remove --id " + id), std::string::npos) << listed.err;
  auto table = db("list", {"-o", "table"});
  ASSERT_EQ(table.exit_code, 0) << show(table);
  EXPECT_NE(table.out.find(sqlite ? "<bad:abc>" : "<bad:NULL>"), std::string::npos) << table.out;

  // Other rows are updated and removed as usual; the bad row is fixed by id.
  auto u = db("update", {"-o", "json", "--id", std::to_string(good), "--priority", "9"});
  EXPECT_EQ(u.exit_code, 0) << show(u);
  auto r = db("remove", {"--id", std::to_string(third)});
  EXPECT_EQ(r.exit_code, 0) << show(r);
  auto fixed = sqlite ? db("update", {"-o", "json", "--id", id, "--state", "0"})
                      : db("update", {"-o", "json", "--id", id, "--url", "bin:10.0.0.2:5566"});
  ASSERT_EQ(fixed.exit_code, 0) << show(fixed);
  EXPECT_FALSE(Json::parse(fixed.out).contains("bad_columns")) << fixed.out;
  auto clean = db("list", {"-o", "json"});
  EXPECT_EQ(clean.exit_code, 0);
  EXPECT_TRUE(clean.err.empty()) << clean.err;

  // Corrupt again, then removed by its id.
  if (sqlite)
    exec_sql("UPDATE {t} SET state = 'abc' WHERE id = " + id);
  else
    exec_sql("UPDATE {t} SET url = NULL WHERE id = " + id);
  auto removed = db("remove", {"-o", "json", "--id", id});
  ASSERT_EQ(removed.exit_code, 0) << show(removed);
  EXPECT_EQ(Json::parse(removed.out)["bad_columns"], Json::array({column})) << removed.out;
  EXPECT_EQ(list_json().size(), 1u);
}

// A table that exists without a configured column: migrate would not help,
// so the message names the column and its option instead.
TEST_P(DbCommandTest, MissingColumnNamesTheOptionNotMigrate) {
  migrate();
  auto r = db("list", {}, {"--node_id_col", "nid"});
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("the table has no column \"nid\" (the node_id_col setting)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("make that --*_col option name the table's column"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("run `nodectl db migrate"), std::string::npos) << r.err;
}

// The migrate hint repeats every non-default name, so it creates the table
// that was asked for.
TEST_P(DbCommandTest, MigrateHintCarriesTheConfiguredNames) {
  if (GetParam() == "sqlite") std::ofstream(dir_.path() + "/clusterer.db").close();  // empty file
  auto r = db("list", {}, {"--node_id_col", "nid", "--flags_col", "flg"});
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("run `nodectl db migrate --db_url "), std::string::npos) << r.err;
  // (The URL is masked; the test server's password is also its user name.)
  std::string expected = table_.empty() ? "" : " --db_table " + table_;
  expected += " --node_id_col nid --flags_col flg`";
  EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
}

// The progress row stays when the table is dropped by hand: migrate creates
// the table again instead of saying "up to date".
TEST_P(DbCommandTest, MigrateCreatesADroppedTableAgain) {
  migrate();
  add({"--cluster_id", "1", "--node_id", "1", "--url", "bin:10.0.0.1:5566"});
  exec_sql("DROP TABLE {t}");
  auto listed = db("list");
  EXPECT_EQ(listed.exit_code, 2) << show(listed);
  EXPECT_NE(listed.err.find("nodectl db migrate"), std::string::npos) << listed.err;

  auto m = db("migrate", {"-o", "table"});
  ASSERT_EQ(m.exit_code, 0) << show(m);
  EXPECT_NE(m.out.find("was missing although migrated before: created it again"),
            std::string::npos) << m.out;
  EXPECT_EQ(m.out.find("up to date"), std::string::npos) << m.out;
  EXPECT_EQ(list_json(), Json::array());
  auto again = db("migrate", {"-o", "json"});
  ASSERT_EQ(again.exit_code, 0) << show(again);
  EXPECT_EQ(Json::parse(again.out)["recreated_table"], false);
}

INSTANTIATE_TEST_SUITE_P(DbBackends, DbCommandTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// SQLite-only cases: the URL itself.

TEST(DbCommandUrl, UnsupportedSchemeExits2WithMaskedUrl) {
  auto r = run_nodectl({"db", "list", "--db_url", "mysql://admin:hunter22@db.example/opensips"},
                       kCleanEnv);
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_EQ(r.err.find("hunter22"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mysql://admin:***@db.example/opensips"), std::string::npos) << r.err;
}

TEST(DbCommandUrl, UnreachablePostgresExits2WithoutPassword) {
  auto r = run_nodectl(
      {"db", "list", "--db_url", "postgres://lc:hunter22@127.0.0.1:1/none?connect_timeout=2"},
      kCleanEnv);
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_EQ(r.err.find("hunter22"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("***"), std::string::npos) << r.err;
}

TEST(DbCommandUrl, MissingSqliteDirectoryExits2) {
  auto r = run_nodectl({"db", "list", "--db_url", "sqlite:///nonexistent-lc-dir/x.db"}, kCleanEnv);
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("/nonexistent-lc-dir/x.db"), std::string::npos) << r.err;
}

TEST(DbCommandUrl, DbUrlFromTheEnvironment) {
  ScratchDir dir;
  const std::string url = "sqlite://" + dir.path() + "/env.db";
  auto m = run_nodectl({"db", "migrate"}, {{"NODECTL_DB_URL", url}});
  ASSERT_EQ(m.exit_code, 0) << show(m);
  auto l = run_nodectl({"-o", "json", "db", "list"}, {{"NODECTL_DB_URL", url}});
  ASSERT_EQ(l.exit_code, 0) << show(l);
  EXPECT_EQ(Json::parse(l.out), Json::array());
}

// An OpenSIPS 2.3 table (version 2) is upgraded in place, and migrate says
// so in both outputs. SQLite only: OpenSIPS's script names the table
// "clusterer", which the shared PostgreSQL test database cannot give to
// every test.
TEST(DbCommandMigrate, UpgradeFromVersion2IsReported) {
  ScratchDir dir;
  const std::string path = dir.path() + "/old.db";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(lc::store::test::opensips_v2_or_v3("sqlite", 2));
  }
  const std::string url = "sqlite://" + path;
  auto text = run_nodectl({"db", "migrate", "--db_url", url, "-o", "table"}, kCleanEnv);
  ASSERT_EQ(text.exit_code, 0) << show(text);
  EXPECT_NE(text.out.find("upgraded table \"clusterer\" from version 2 to 4"), std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("up to date"), std::string::npos) << text.out;

  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DROP TABLE clusterer; DELETE FROM version");
    db.exec(lc::store::test::opensips_v2_or_v3("sqlite", 3).substr(
        lc::store::test::opensips_version_table("sqlite").size()));
  }
  auto json = run_nodectl({"db", "migrate", "--db_url", url, "-o", "json"}, kCleanEnv);
  ASSERT_EQ(json.exit_code, 0) << show(json);
  EXPECT_EQ(Json::parse(json.out)["upgraded_from_version"], 3) << json.out;
}

}  // namespace
}  // namespace lc::nodectl_test
