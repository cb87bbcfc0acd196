#include "store_test_util.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <cstdlib>
#include <filesystem>
#include <random>

namespace lc::store::test {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class SqliteTestDb final : public TestDb {
 public:
  SqliteTestDb() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lc-store-XXXXXX").string();
    dir_ = mkdtemp(pattern.data()) ? pattern : "";
    path_ = dir_ + "/test.db";
  }
  ~SqliteTestDb() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string backend() const override { return "sqlite"; }
  std::string url() const override { return "sqlite://" + path_; }
  bool exec(const std::string& sql, std::string* error) override {
    try {
      SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec(sql);
      return true;
    } catch (const std::exception& e) {
      if (error) *error = e.what();
      return false;
    }
  }
  std::optional<std::string> scalar(const std::string& sql) override {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Statement q(db, sql);
    if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
    return q.getColumn(0).getString();
  }

 private:
  std::string dir_;
  std::string path_;
};

void ignore_notice(void*, const char*) {}

struct PgConn {
  explicit PgConn(const std::string& url) : conn(PQconnectdb(url.c_str())) {
    PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  }
  ~PgConn() { PQfinish(conn); }
  bool ok() const { return PQstatus(conn) == CONNECTION_OK; }
  PGconn* conn;
};

std::string with_param(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

class PostgresTestDb final : public TestDb {
 public:
  PostgresTestDb(std::string base_url, std::string schema)
      : base_url_(std::move(base_url)), schema_(std::move(schema)) {}
  ~PostgresTestDb() override {
    PgConn admin(base_url_);
    PQclear(PQexec(admin.conn, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str()));
  }
  std::string backend() const override { return "postgres"; }
  std::string url() const override {
    return with_param(base_url_, "options=-csearch_path%3D" + schema_);
  }
  bool exec(const std::string& sql, std::string* error) override {
    PgConn c(url());
    PGresult* r = PQexec(c.conn, sql.c_str());
    const auto status = PQresultStatus(r);
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok && error) *error = PQerrorMessage(c.conn);
    PQclear(r);
    return ok;
  }
  std::optional<std::string> scalar(const std::string& sql) override {
    PgConn c(url());
    PGresult* r = PQexec(c.conn, sql.c_str());
    std::optional<std::string> out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
      out = PQgetvalue(r, 0, 0);
    else if (PQresultStatus(r) != PGRES_TUPLES_OK)
      ADD_FAILURE() << sql << ": " << PQerrorMessage(c.conn);
    PQclear(r);
    return out;
  }

  static std::unique_ptr<TestDb> make(std::string* why) {
    std::string base = env("LC_TEST_POSTGRES_URL");
    if (base.empty()) {
      *why = "LC_TEST_POSTGRES_URL is not set (`scripts/postgres-test-server start` prints one)";
      return nullptr;
    }
    PgConn admin(base);
    if (!admin.ok()) {
      *why = "cannot connect to LC_TEST_POSTGRES_URL: " + std::string(PQerrorMessage(admin.conn));
      return nullptr;
    }
    std::random_device random;
    char name[32];
    std::snprintf(name, sizeof name, "t_%08x%08x", random(), random());
    PGresult* r = PQexec(admin.conn, ("CREATE SCHEMA " + std::string(name)).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
      *why = "cannot create a test schema: " + std::string(PQerrorMessage(admin.conn));
      return nullptr;
    }
    return std::make_unique<PostgresTestDb>(base, name);
  }

 private:
  std::string base_url_;
  std::string schema_;
};

}  // namespace

bool postgres_required() { return env("LC_REQUIRE_POSTGRES") == "1"; }

std::unique_ptr<TestDb> make_test_db(const std::string& backend, std::string* why) {
  if (backend == "sqlite") return std::make_unique<SqliteTestDb>();
  return PostgresTestDb::make(why);
}

void StoreTest::SetUp() {
  std::string why;
  db_ = make_test_db(GetParam(), &why);
  if (db_) return;
  if (postgres_required()) FAIL() << why << " and LC_REQUIRE_POSTGRES=1";
  GTEST_SKIP() << why;
}

std::unique_ptr<Store> StoreTest::open(const TableNames& names, bool create_if_missing) {
  auto st = open_store(db_->url(), names, create_if_missing);
  if (!st) {
    ADD_FAILURE() << "open_store: " << st.error().message;
    return nullptr;
  }
  return std::move(*st);
}

std::unique_ptr<Store> StoreTest::migrated(const TableNames& names) {
  auto st = open(names);
  if (!st) return nullptr;
  auto report = st->migrate();
  if (!report) {
    ADD_FAILURE() << "migrate: " << report.error().message;
    return nullptr;
  }
  return st;
}

void StoreTest::exec(const std::string& sql) {
  std::string error;
  if (!db_->exec(sql, &error)) ADD_FAILURE() << sql << "\n-> " << error;
}

RowFields fields(int64_t cluster_id, int64_t node_id, std::string url) {
  RowFields f;
  f.cluster_id = cluster_id;
  f.node_id = node_id;
  f.url = std::move(url);
  return f;
}

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace lc::store::test
