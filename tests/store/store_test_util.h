// One fresh database per test, on either back end, so the store tests are
// written once (TEST_P over "sqlite" and "postgres") and run in parallel.
//
// PostgreSQL: LC_TEST_POSTGRES_URL names a database the tests may create
// schemas in (`scripts/postgres-test-server start` prints one); each test gets its
// own schema t_<random>, selected through the URL's search_path option and
// dropped afterwards. Unset, the postgres tests skip, unless
// LC_REQUIRE_POSTGRES=1 (CI), where they fail.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "libcluster/store/store.h"

namespace lc::store::test {

class TestDb {
 public:
  virtual ~TestDb() = default;
  virtual std::string backend() const = 0;
  // The db_url that reaches this database.
  virtual std::string url() const = 0;
  // Runs raw SQL (several statements allowed); false with the reason on error.
  virtual bool exec(const std::string& sql, std::string* error = nullptr) = 0;
  // The first column of the first row as text; nullopt for NULL or no row.
  virtual std::optional<std::string> scalar(const std::string& sql) = 0;
};

// A fresh database, or nullptr with the reason in `why` (no PostgreSQL).
std::unique_ptr<TestDb> make_test_db(const std::string& backend, std::string* why);

// True when LC_REQUIRE_POSTGRES=1: a missing server is a failure.
bool postgres_required();

// The fixture of every parameterized store test.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;

  bool sqlite() const { return GetParam() == "sqlite"; }
  // Opens the test database (created if missing); nullptr after a failure.
  std::unique_ptr<Store> open(const TableNames& names = {}, bool create_if_missing = true);
  // open() then migrate(); nullptr after a failure.
  std::unique_ptr<Store> migrated(const TableNames& names = {});
  // Runs SQL on the test database; fails the test on error.
  void exec(const std::string& sql);

  std::unique_ptr<TestDb> db_;
};

// A row for add_row.
RowFields fields(int64_t cluster_id, int64_t node_id, std::string url);

// Names the parameterized instances "sqlite" and "postgres".
std::string backend_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace lc::store::test

#define LC_STORE_INSTANTIATE(suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values("sqlite", "postgres"), \
                           ::lc::store::test::backend_name)
