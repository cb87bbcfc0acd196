// db_mode=1 end to end: `nodectl db` provisions the clusterer table, real
// clusterd processes load it, write set_status back, reload on MI and on
// SIGHUP, and refuse to start on a database they cannot use. SQLite always;
// PostgreSQL too when LC_TEST_POSTGRES_URL is set (CI sets it).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "node_process.h"
#include "polling.h"
#include "process.h"
#include "proxy.h"

namespace lc::itest {
namespace {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

// One database under test: a SQLite file in the test's directory, or a
// fresh table in the PostgreSQL test database (so tests can run at once).
struct Db {
  std::string url;
  std::string table = "clusterer";

  std::vector<std::string> args() const {
    std::vector<std::string> a = {"--db_url", url};
    if (table != "clusterer") a.insert(a.end(), {"--db_table", table});
    return a;
  }
  RunResult ctl(std::vector<std::string> words) const {
    std::vector<std::string> argv = {LC_NODECTL_BIN, "-o", "json", "db"};
    argv.insert(argv.end(), words.begin(), words.end());
    for (const auto& a : args()) argv.push_back(a);
    return run(argv);
  }
  void add(int cluster, int node, uint16_t port, std::string extra_flag = "",
           std::string extra_value = "") const {
    std::vector<std::string> w = {"add", "--cluster_id", std::to_string(cluster), "--node_id",
                                  std::to_string(node), "--url",
                                  "bin:127.0.0.1:" + std::to_string(port), "--description",
                                  "node " + std::to_string(node)};
    if (!extra_flag.empty()) w.insert(w.end(), {extra_flag, extra_value});
    auto r = ctl(w);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // (cluster_id, node_id) -> row, as `nodectl db list -o json` prints it.
  std::map<std::pair<int, int>, Json> rows() const {
    std::map<std::pair<int, int>, Json> out;
    auto r = ctl({"list"});
    if (r.exit_code != 0) return out;
    for (const auto& row : Json::parse(r.out))
      out[{row["cluster_id"].get<int>(), row["node_id"].get<int>()}] = row;
    return out;
  }
};

Db sqlite_db(const TempDir& dir) { return Db{"sqlite://" + dir.path() + "/cluster.db"}; }

std::optional<Db> postgres_db() {
  const char* url = std::getenv("LC_TEST_POSTGRES_URL");
  if (!url || !*url) return std::nullopt;
  std::random_device rd;
  return Db{url, "itest_" + std::to_string(rd() % 1000000000)};
}

// The absolute path of `program` on PATH (run() does not search it), or "".
std::string on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// Drops a PostgreSQL test's table and its two version rows when the test
// ends. Through psql (installed with the server CI starts): these tests do
// not link libpq. Declared before the nodes, so it runs after they stopped.
class DropAtEnd {
 public:
  explicit DropAtEnd(const Db& db) : url_(db.url), table_(db.table) {}
  ~DropAtEnd() {
    const std::string psql = on_path("psql");
    if (psql.empty()) {
      std::fprintf(stderr, "psql not found: table %s stays in the test database\n", table_.c_str());
      return;
    }
    // The name is "itest_<digits>" (postgres_db()): safe to write inline.
    const std::string sql = "DROP TABLE IF EXISTS \"" + table_ +
                            "\"; DELETE FROM version WHERE table_name IN ('" + table_ +
                            "', 'libcluster:" + table_ + "')";
    auto r = run({psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url_, "-c", sql});
    EXPECT_EQ(r.exit_code, 0) << "dropping " << table_ << ": " << r.err;
  }
  DropAtEnd(const DropAtEnd&) = delete;
  DropAtEnd& operator=(const DropAtEnd&) = delete;

 private:
  std::string url_, table_;
};

// A db_mode 1 node whose topology is in `db` (node_process.h).
class DbNode : public NodeProcess {
 public:
  DbNode(const TempDir& dir, const Db& db, int id, uint16_t port)
      : NodeProcess(dir.path(), id, flags(db, port)) {}

  std::string link(int node) { return field(node, "link_state"); }

 private:
  static std::vector<std::string> flags(const Db& db, uint16_t port) {
    std::vector<std::string> f = {"--db_mode", "1", "--socket", bin_url("127.0.0.1", port)};
    for (const auto& a : db.args()) f.push_back(a);
    return f;
  }
};

// Three nodes provisioned in the table, node 1 a seed.
struct DbCluster {
  TempDir dir;
  Db db;
  uint16_t p1 = free_port(), p2 = free_port(), p3 = free_port();
  std::unique_ptr<DbNode> n1, n2, n3;

  explicit DbCluster(std::optional<Db> given = std::nullopt) : db(given ? *given : sqlite_db(dir)) {
    auto m = db.ctl({"migrate"});
    EXPECT_EQ(m.exit_code, 0) << m.err;
    db.add(1, 1, p1, "--flags", "seed");
    db.add(1, 2, p2);
    db.add(1, 3, p3);
    n1 = std::make_unique<DbNode>(dir, db, 1, p1);
    n2 = std::make_unique<DbNode>(dir, db, 2, p2);
    n3 = std::make_unique<DbNode>(dir, db, 3, p3);
  }
  bool all_up() {
    for (DbNode* n : {n1.get(), n2.get(), n3.get()}) {
      auto m = n->nodes();
      if (m.size() != 2) return false;
      for (auto& [id, v] : m)
        if (v["link_state"] != "Up") return false;
    }
    return true;
  }
};

// A row set to state 0 while running (schema.md §3: a disabled node is
// neither pinged nor sent to; a node whose own row is disabled starts
// disabled in that cluster, every link Down) takes effect at the reload.
void reload_after_a_row_is_disabled(DbCluster& c) {
  // Node 3 sends fine before (checked first: once the others disable it,
  // they drop its packets and its links go down within seconds).
  auto send = [&] { return c.n3->ctl({"mi", "cluster_send_mi", "cluster_id=1", "destination=1",
                                      "cmd_name=clusterer_list"}); };
  EXPECT_EQ(send().out, "\"OK\"\n");
  const auto row = c.db.rows()[{1, 3}];
  ASSERT_TRUE(row.is_object());
  auto disabled = c.db.ctl({"update", "--id", std::to_string(row["id"].get<int64_t>()), "--state", "0"});
  ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
  EXPECT_EQ(c.n1->field(3, "state"), "enabled");  // nothing changes before the reload

  // Another node's row, via MI: listed disabled, its link Down; the others stay Up.
  auto reload = c.n1->ctl({"reload"});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_EQ(c.n1->field(3, "state"), "disabled");
  EXPECT_TRUE(wait_for([&] { return c.n1->link(3) == "Down"; }, 3s)) << c.n1->link(3);
  EXPECT_TRUE(wait_for([&] { return c.n1->link(2) == "Up"; }, 5s)) << c.n1->log();

  // The same via SIGHUP on node 2.
  ::kill(c.n2->proc().pid(), SIGHUP);
  EXPECT_TRUE(wait_for([&] { return c.n2->field(3, "state") == "disabled"; }, 3s)) << c.n2->log();
  EXPECT_TRUE(wait_for([&] { return c.n2->link(3) == "Down"; }, 3s)) << c.n2->link(3);

  // Node 3's own row: after its reload the local node is disabled in
  // cluster 1 (mi.md §2.6: a send answers "Local node disabled"), and its
  // links never come Up, since it pings no one.
  ::kill(c.n3->proc().pid(), SIGHUP);
  EXPECT_TRUE(wait_for([&] { return send().out == "\"Local node disabled\"\n"; }, 3s))
      << send().out << send().err << "\n" << c.n3->log();
  std::this_thread::sleep_for(1500ms);  // more than a ping interval
  EXPECT_NE(c.n3->link(1), "Up");
  EXPECT_NE(c.n3->link(2), "Up");
  EXPECT_EQ(c.n1->link(3), "Down");
  EXPECT_EQ(c.n1->link(2), "Up");
}

void forms_writes_back_and_reloads(DbCluster& c) {
  ASSERT_TRUE(wait_for([&] { return c.all_up(); }, 8s)) << c.n1->log();
  // clusterer_list shows the rows' ids and descriptions (schema.md §3).
  auto rows = c.db.rows();
  auto listed = c.n1->nodes();
  EXPECT_EQ(listed[2]["db_id"], (rows[{1, 2}]["id"]));
  EXPECT_EQ(listed[2]["description"], "node 2");

  // set_status of another node: that row only (schema.md §4.3).
  ASSERT_EQ(c.n1->ctl({"set_status", "1", "2", "0"}).exit_code, 0);
  EXPECT_TRUE(wait_for([&] { return c.db.rows()[{1, 2}]["state"] == 0; }, 3s));
  EXPECT_EQ((c.db.rows()[{1, 3}]["state"]), 1);
  ASSERT_EQ(c.n1->ctl({"set_status", "1", "2", "1"}).exit_code, 0);
  EXPECT_TRUE(wait_for([&] { return c.db.rows()[{1, 2}]["state"] == 1; }, 3s));
  // set_status of the local node: every row of the node, in every cluster.
  c.db.add(5, 3, c.p3);
  ASSERT_EQ(c.n3->ctl({"set_status", "1", "0"}).exit_code, 0);
  EXPECT_TRUE(wait_for([&] { auto r = c.db.rows(); return r[{1, 3}]["state"] == 0 &&
                                                           r[{5, 3}]["state"] == 0; }, 3s));
  ASSERT_EQ(c.n3->ctl({"set_status", "1", "1"}).exit_code, 0);

  // remove_node is refused in DB mode.
  auto removed = c.n1->ctl({"remove_node", "1", "2"});
  EXPECT_EQ(removed.exit_code, 1);
  EXPECT_NE(removed.err.find("Running in DB mode"), std::string::npos) << removed.err;

  // A row added while running appears after clusterer_reload, via MI...
  uint16_t p4 = free_port();
  c.db.add(1, 4, p4);
  EXPECT_EQ(c.n1->nodes().count(4), 0u);
  auto reload = c.n1->ctl({"reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_EQ(reload.out, "\"OK\"\n");
  EXPECT_EQ(c.n1->nodes().count(4), 1u);
  // ...every node is probed again and comes back Up, node 4 stays unreachable.
  EXPECT_TRUE(wait_for([&] { return c.n1->link(2) == "Up" && c.n1->link(3) == "Up"; }, 5s))
      << c.n1->log();
  EXPECT_NE(c.n1->link(4), "Up");

  // ...and via SIGHUP.
  ASSERT_EQ(c.n2->nodes().count(4), 0u);
  ::kill(c.n2->proc().pid(), SIGHUP);
  EXPECT_TRUE(wait_for([&] { return c.n2->nodes().count(4) == 1; }, 3s)) << c.n2->log();
  EXPECT_TRUE(c.n2->proc().running());
  EXPECT_NE(c.n2->log().find("SIGHUP: reload done"), std::string::npos);

  reload_after_a_row_is_disabled(c);
}

TEST(db_mode, SqliteClusterFormsWritesBackAndReloads) {
  DbCluster c;
  forms_writes_back_and_reloads(c);
}

TEST(db_mode, PostgresClusterFormsWritesBackAndReloads) {
  auto db = postgres_db();
  if (!db) {
    if (std::getenv("LC_REQUIRE_POSTGRES")) FAIL() << "LC_REQUIRE_POSTGRES is set but LC_TEST_POSTGRES_URL is not";
    GTEST_SKIP() << "LC_TEST_POSTGRES_URL is not set";
  }
  DropAtEnd drop(*db);
  DbCluster c(db);
  forms_writes_back_and_reloads(c);
}

// A listening socket that never accepts: connections complete in the
// backlog and then hear nothing, like a database host that hangs.
int stalled_listener(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// clusterer_reload reads the database off the event loop (decisions D2):
// while the database hangs, the node answers MI at once and keeps its links.
TEST(db_mode, NodeKeepsServingWhileTheDatabaseHangs) {
  auto db = postgres_db();
  if (!db) {
    if (std::getenv("LC_REQUIRE_POSTGRES")) FAIL() << "LC_REQUIRE_POSTGRES is set but LC_TEST_POSTGRES_URL is not";
    GTEST_SKIP() << "LC_TEST_POSTGRES_URL is not set";
  }
  DropAtEnd drop(*db);
  // The nodes reach PostgreSQL through a relay that the test replaces by a
  // server that never answers.
  const auto at = db->url.find("@127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << "expects a 127.0.0.1 URL: " << db->url;
  const auto port_begin = at + std::string("@127.0.0.1:").size();
  const auto port_end = db->url.find('/', port_begin);
  const uint16_t pg_port = static_cast<uint16_t>(std::stoi(db->url.substr(port_begin, port_end - port_begin)));
  const uint16_t relay_port = free_port();
  Proxy relay(relay_port, pg_port);
  db->url = db->url.substr(0, port_begin) + std::to_string(relay_port) + db->url.substr(port_end);

  DbCluster c(db);
  ASSERT_TRUE(wait_for([&] { return c.all_up(); }, 8s)) << c.n1->log();
  relay.cut();
  int hang = -1;
  ASSERT_TRUE(wait_for([&] { return (hang = stalled_listener(relay_port)) >= 0; }, 3s));

  RunResult reload;
  std::thread reloader([&] { reload = c.n1->ctl({"reload"}); });
  std::this_thread::sleep_for(300ms);  // the reload is now waiting for the database
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto list = c.n1->ctl({"list"});
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(list.exit_code, 0);
    EXPECT_LT(took, 2s) << "clusterer_list waited for the database";
    EXPECT_EQ(c.n1->link(2), "Up");
    std::this_thread::sleep_for(300ms);
  }
  reloader.join();
  ::close(hang);
  EXPECT_EQ(reload.exit_code, 1) << reload.out;
  EXPECT_NE(reload.err.find("Failed to reload"), std::string::npos) << reload.err;
  // The old topology is kept. A probe may be under way on a loaded machine
  // (500 ms ping_timeout): the links are Up again within a ping interval.
  EXPECT_TRUE(wait_for([&] { return c.n1->link(2) == "Up" && c.n1->link(3) == "Up"; }, 3s))
      << c.n1->link(2) << " " << c.n1->link(3);
}

TEST(db_mode, FailedReloadKeepsTheTopology) {
  DbCluster c;
  ASSERT_TRUE(wait_for([&] { return c.all_up(); }, 8s)) << c.n1->log();
  // The database file goes away: the reload fails, nothing changes.
  std::filesystem::rename(c.dir.path() + "/cluster.db", c.dir.path() + "/moved.db");
  auto reload = c.n1->ctl({"reload"});
  EXPECT_EQ(reload.exit_code, 1);
  EXPECT_NE(reload.err.find("Failed to reload"), std::string::npos) << reload.err;
  EXPECT_EQ(c.n1->link(2), "Up");
  EXPECT_EQ(c.n1->link(3), "Up");
  EXPECT_NE(c.n1->log().find("keeping the current topology"), std::string::npos);
  // set_status still works at run time; the write-back failure is only logged.
  EXPECT_EQ(c.n1->ctl({"set_status", "1", "3", "0"}).exit_code, 0);
  EXPECT_TRUE(wait_for([&] {
    return c.n1->log().find("Failed to update state in clusterer DB for node [3] cluster [1]") !=
           std::string::npos;
  }, 3s)) << c.n1->log();
}

// clusterd refuses, with exit status 2 and a message saying what to do.
RunResult start_fails(const std::string& db_url, int my_id, uint16_t port,
                      const std::vector<std::string>& more = {}) {
  std::vector<std::string> argv = {LC_CLUSTERD_BIN, "--my_node_id", std::to_string(my_id),
                                   "--db_mode", "1", "--db_url", db_url, "--socket",
                                   "bin:127.0.0.1:" + std::to_string(port), "--mi_socket", ""};
  argv.insert(argv.end(), more.begin(), more.end());
  return run(argv, 5s);
}

TEST(db_mode, StartRefusesUnusableDatabases) {
  TempDir dir;
  const uint16_t port = free_port();
  const std::string url = "sqlite://" + dir.path() + "/c.db";

  auto missing = start_fails(url, 1, port);  // no file at all
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("Failed to load info from DB"), std::string::npos) << missing.err;

  Db db{url};
  ASSERT_EQ(db.ctl({"migrate"}).exit_code, 0);
  auto empty = start_fails(url, 1, port);
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("Current node does not belong to any cluster"), std::string::npos)
      << empty.err;

  db.add(1, 1, free_port());  // not one of the node's listeners
  auto foreign = start_fails(url, 1, port);
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.err.find("non-local socket"), std::string::npos) << foreign.err;

  // A table that was never created: the hint is the migrate command with
  // the node's own --db_table and --*_col names.
  auto no_table = start_fails(url, 1, port, {"--db_table", "nodes", "--node_id_col", "nid"});
  EXPECT_EQ(no_table.exit_code, 2);
  EXPECT_NE(no_table.err.find("nodectl db migrate --db_url " + url +
                              " --db_table nodes --node_id_col nid"),
            std::string::npos)
      << no_table.err;

  // The table exists but lacks a configured column: migrate would change
  // nothing, so the hint names the column and its setting instead.
  auto no_column = start_fails(url, 1, port, {"--node_id_col", "nid"});
  EXPECT_EQ(no_column.exit_code, 2);
  EXPECT_NE(no_column.err.find("the table has no column \"nid\" (the node_id_col setting)"),
            std::string::npos) << no_column.err;
  EXPECT_NE(no_column.err.find("make that *_col setting name the table's column"),
            std::string::npos) << no_column.err;
  EXPECT_EQ(no_column.err.find("nodectl db migrate --db_url"), std::string::npos) << no_column.err;

  auto mysql = start_fails("mysql://u:secret@127.0.0.1/opensips", 1, port);
  EXPECT_EQ(mysql.exit_code, 2);
  EXPECT_EQ(mysql.err.find("secret"), std::string::npos) << mysql.err;
  EXPECT_NE(mysql.err.find("are supported; fix db_url"), std::string::npos) << mysql.err;
  EXPECT_EQ(mysql.err.find("the database is up"), std::string::npos) << mysql.err;

  // libpq's two-line message ("...Connection refused\n\tIs the server
  // running...") is logged on the one line of the error.
  auto refused = start_fails("postgres://u:secret@127.0.0.1:1/db", 1, port);
  EXPECT_EQ(refused.exit_code, 2);
  std::string line;
  for (std::istringstream in(refused.err); std::getline(in, line);)
    if (line.find("Failed to load info from DB") != std::string::npos) break;
  EXPECT_NE(line.find("Connection refused"), std::string::npos) << refused.err;
  EXPECT_NE(line.find("Is the server running"), std::string::npos) << refused.err;
  EXPECT_NE(line.find("check db_url and that the database is up"), std::string::npos) << refused.err;
}

TEST(db_mode, BadRowsOfOtherNodesAreSkipped) {
  TempDir dir;
  Db db = sqlite_db(dir);
  ASSERT_EQ(db.ctl({"migrate"}).exit_code, 0);
  const uint16_t p1 = free_port();
  db.add(1, 1, p1);
  auto bad = db.ctl({"add", "--cluster_id", "1", "--node_id", "2", "--url",
                     "bin:host.invalid:5002"});
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  db.add(1, 3, free_port());
  DbNode n(dir, db, 1, p1);
  ASSERT_TRUE(wait_for([&] { return n.nodes().size() == 1; }, 3s)) << n.log();
  EXPECT_EQ(n.nodes().count(3), 1u);
  EXPECT_NE(n.log().find("Cannot resolve host: host.invalid"), std::string::npos) << n.log();
}

}  // namespace
}  // namespace lc::itest
