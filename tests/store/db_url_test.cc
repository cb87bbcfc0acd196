// db_url parsing, password masking and open_store's errors before any
// table is read: kBadUrl, kConnect, kInvalid.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "db_url.h"
#include "store_test_util.h"

namespace lc::store {
namespace {

using detail::DbUrl;
using detail::parse_db_url;

TEST(StoreUrl, SqliteAbsoluteAndRelativePaths) {
  auto abs = parse_db_url("sqlite:///var/lib/clusterd/nodes.db");
  ASSERT_TRUE(abs) << abs.error().message;
  EXPECT_EQ(abs->scheme, DbUrl::Scheme::kSqlite);
  EXPECT_EQ(abs->target, "/var/lib/clusterd/nodes.db");

  auto rel = parse_db_url("sqlite://data/nodes.db");
  ASSERT_TRUE(rel) << rel.error().message;
  EXPECT_EQ(rel->target, "data/nodes.db");

  auto upper = parse_db_url("SQLite:///x.db");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->target, "/x.db");
}

// decision S12: every limit is added unless the URL sets it.
constexpr const char* kLimits =
    "connect_timeout=5&keepalives=1&keepalives_idle=10&keepalives_interval=5&"
    "keepalives_count=3&tcp_user_timeout=15000";

TEST(StoreUrl, PostgresGetsTimeLimits) {
  auto plain = parse_db_url("postgres://u:pw@db.example:5433/opensips");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->scheme, DbUrl::Scheme::kPostgres);
  EXPECT_EQ(plain->target, std::string("postgres://u:pw@db.example:5433/opensips?") + kLimits);

  auto query = parse_db_url("postgresql://h/db?sslmode=disable");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->target, std::string("postgresql://h/db?sslmode=disable&") + kLimits);

  auto own = parse_db_url("postgres://h/db?sslmode=disable&Connect_Timeout=2&keepalives=0&"
                          "tcp_user_timeout=100");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->target,
            "postgres://h/db?sslmode=disable&Connect_Timeout=2&keepalives=0&tcp_user_timeout=100&"
            "keepalives_idle=10&keepalives_interval=5&keepalives_count=3");
}

TEST(StoreUrl, UnsupportedUrlsAreBadUrl) {
  for (const char* url : {"", "clusterer.db", "sqlite://", "sqlite:///", "http://h/db",
                          "oracle://u:p@h/db", "file:///tmp/x.db"}) {
    auto r = parse_db_url(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kBadUrl) << url;
    EXPECT_NE(r.error().message.find("bad db_url"), std::string::npos) << r.error().message;
  }
}

TEST(StoreUrl, MysqlSaysWhatIsSupportedAndHidesThePassword) {
  auto r = open_store("mysql://opensips:opensipsrw@localhost/opensips", TableNames{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBadUrl);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("MySQL is not supported"), std::string::npos) << m;
  EXPECT_NE(m.find("sqlite://"), std::string::npos) << m;
  EXPECT_NE(m.find("postgres://"), std::string::npos) << m;
  EXPECT_NE(m.find("mysql://opensips:***@localhost/opensips"), std::string::npos) << m;
  EXPECT_EQ(m.find("opensipsrw"), std::string::npos) << m;
}

TEST(StoreUrl, MaskPassword) {
  EXPECT_EQ(mask_password("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
  EXPECT_EQ(mask_password("postgres://u@h/db"), "postgres://u@h/db");
  EXPECT_EQ(mask_password("postgres://h/db"), "postgres://h/db");
  EXPECT_EQ(mask_password("postgres://u:p@ss/w@h/db"), "postgres://u:***@h/db");
  EXPECT_EQ(mask_password("postgres://h/db?password=secret&sslmode=require"),
            "postgres://h/db?password=***&sslmode=require");
  EXPECT_EQ(mask_password("postgres://u:a@h/db?PASSWORD=b"), "postgres://u:***@h/db?PASSWORD=***");
  EXPECT_EQ(mask_password("host=h password=secret dbname=x"), "host=h password=*** dbname=x");
  EXPECT_EQ(mask_password("postgres://h/db?oldpassword=x"), "postgres://h/db?oldpassword=x");
  // A SQLite path is never a password, even with ':' and '@' in it.
  EXPECT_EQ(mask_password("sqlite:///tmp/a:b@c.db"), "sqlite:///tmp/a:b@c.db");
  EXPECT_EQ(mask_password("sqlite://nodes.db"), "sqlite://nodes.db");
}

TEST(StoreUrl, ScrubSecretsHidesRawAndDecodedPasswords) {
  const std::string url = "postgres://u:se%20cret@h/db?password=other";
  EXPECT_EQ(detail::scrub_secrets("near \"se%20cret\" and \"se cret\", other", url),
            "near \"***\" and \"***\", ***");
  EXPECT_EQ(detail::scrub_secrets("a b c", "postgres://u:a@h/db"), "a b c");  // too short
}

TEST(StoreUrl, MigrationsKeyFitsOpenSipsColumn) {
  EXPECT_EQ(migrations_key("clusterer"), "libcluster:clusterer");
  const std::string long_name(40, 'x');
  const std::string key = migrations_key(long_name);
  EXPECT_LE(key.size(), 32u) << key;
  EXPECT_TRUE(key.starts_with("libcluster:#")) << key;
  EXPECT_EQ(key, migrations_key(long_name));  // stable
  EXPECT_NE(key, migrations_key(std::string(40, 'y')));
}

class StoreOpen : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "lc-open-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(StoreOpen, SqliteMissingFileIsNotCreatedUnlessAsked) {
  const auto path = dir_ / "nodes.db";
  auto r = open_store("sqlite://" + path.string(), TableNames{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConnect);
  EXPECT_NE(r.error().message.find("sqlite://" + path.string()), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(path));

  auto created = open_store("sqlite://" + path.string(), TableNames{}, true);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ((*created)->backend(), "sqlite");
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(StoreOpen, SqliteRelativePathIsFromTheWorkingDirectory) {
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  auto r = open_store("sqlite://rel.db", TableNames{}, true);
  std::filesystem::current_path(old);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "rel.db"));
}

TEST_F(StoreOpen, SqliteFileThatIsNotADatabaseIsConnectError) {
  const auto path = dir_ / "junk.db";
  std::ofstream(path) << "this is not an SQLite database, just some text long enough";
  auto r = open_store("sqlite://" + path.string(), TableNames{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConnect);
  EXPECT_NE(r.error().message.find("not a database"), std::string::npos) << r.error().message;
}

TEST_F(StoreOpen, SqliteMissingDirectoryIsConnectErrorEvenWhenCreating) {
  auto r = open_store("sqlite://" + (dir_ / "no/such/dir.db").string(), TableNames{}, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConnect);
}

TEST(StoreOpenPostgres, UnreachableServerIsConnectErrorWithoutThePassword) {
  // Port 1 on loopback refuses at once: no server needed.
  auto r = open_store("postgres://lc:s3cretpw@127.0.0.1:1/db", TableNames{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConnect);
  EXPECT_NE(r.error().message.find("postgres://lc:***@127.0.0.1:1/db"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cretpw"), std::string::npos) << r.error().message;
}

TEST(StoreOpenPostgres, UriLibpqRejectsIsBadUrl) {
  auto r = open_store("postgres://lc:s3cretpw@127.0.0.1/db?no_such_option=1", TableNames{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBadUrl);
  EXPECT_NE(r.error().message.find("no_such_option"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cretpw"), std::string::npos) << r.error().message;
}

TEST(StoreOpenPostgres, WrongPasswordIsConnectError) {
  const char* base = std::getenv("LC_TEST_POSTGRES_URL");
  if (!base || !*base) {
    if (test::postgres_required()) FAIL() << "LC_TEST_POSTGRES_URL is not set";
    GTEST_SKIP() << "LC_TEST_POSTGRES_URL is not set";
  }
  // Same server and user, another password.
  std::string url = base;
  auto at = url.find('@');
  auto colon = url.find(':', url.find("://") + 3);
  ASSERT_TRUE(at != std::string::npos && colon < at) << "expected user:password@ in " << url;
  url.replace(colon + 1, at - colon - 1, "wrong-password-xyz");
  auto r = open_store(url, TableNames{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConnect);
  EXPECT_EQ(r.error().message.find("wrong-password-xyz"), std::string::npos) << r.error().message;
}

TEST_F(StoreOpen, EmptyNamesAreInvalid) {
  TableNames names;
  names.flags = "";
  auto r = open_store("sqlite://" + (dir_ / "x.db").string(), names, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  EXPECT_NE(r.error().message.find("flags_col is empty"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace lc::store
