// nodectl db's value checks (nodectl/db_validate.cc): what is refused before
// the database is touched, and that every URL accepted is one clusterd's
// parser (lc::core::parse_bin_url) accepts too.
#include "db_validate.h"

#include <gtest/gtest.h>

#include "libcluster/core/url.h"

namespace lc::nodectl::db {
namespace {

TEST(DbValidate, UrlsAccepted) {
  for (const char* url : {"bin:10.0.0.1:5566", "bins:10.0.0.1:5566", "bin:10.0.0.1", "10.0.0.1",
                          "10.0.0.1:5566", "bin:node-1.example.org:1", "bin:[::1]:65535",
                          "bins:[2001:db8::5]", "[::1]:5001", "host_a", "mysql:5060"}) {
    EXPECT_FALSE(check_url(url)) << url << ": " << check_url(url)->message;
    EXPECT_TRUE(lc::core::parse_bin_url(url)) << url;
  }
}

TEST(DbValidate, UrlsRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "must not be empty"},
      {"udp:10.0.0.1:5060", "unsupported protocol \"udp\""},
      {"tls:host", "unsupported protocol \"tls\""},
      {"bin:", "host is missing"},
      {"bin::5566", "host is missing"},
      {"bin:10.0.0.1:", "port is missing"},
      {"bin:10.0.0.1:0", "port must be a number from 1 to 65535"},
      {"bin:10.0.0.1:65536", "port must be"},
      {"bin:10.0.0.1:99999999", "port must be"},
      {"bin:10.0.0.1:55a", "port must be"},
      {"bin:::1:5566", "brackets"},
      {"bin:fe80::1", "brackets"},
      {"bin:[::1", "missing ']'"},
      {"bin:[::1]5566", "expected ':PORT'"},
      {"bin:[not-ip6]:1", "is not an IPv6 address"},
      {"bin:a b:1", "invalid character ' '"},
      {"bin:host/x:1", "invalid character '/'"},
  };
  for (const auto& [url, message] : cases) {
    auto e = check_url(url);
    ASSERT_TRUE(e) << url;
    EXPECT_NE(e->message.find(message), std::string::npos) << url << ": " << e->message;
  }
  const std::string long_url = "bin:" + std::string(57, 'h') + ":5566";  // 66 characters
  auto e = check_url(long_url);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("at most 64"), std::string::npos) << e->message;
  EXPECT_FALSE(check_url("bin:" + std::string(55, 'h') + ":5566"));  // 64
}

TEST(DbValidate, Integers) {
  int64_t v = -1;
  EXPECT_FALSE(parse_int("cluster_id", "1", 1, kMaxInt, &v));
  EXPECT_EQ(v, 1);
  EXPECT_FALSE(parse_int("cluster_id", "2147483647", 1, kMaxInt, &v));
  EXPECT_EQ(v, 2147483647);
  EXPECT_FALSE(parse_int("priority", "0", 0, kMaxInt, &v));
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(parse_int("priority", "007", 0, kMaxInt, &v));
  EXPECT_EQ(v, 7);
  for (const char* bad : {"0", "-1", "", "x", "1.5", " 1", "2147483648", "99999999999999999999",
                          "+", "-"})
    EXPECT_TRUE(parse_int("cluster_id", bad, 1, kMaxInt, &v)) << bad;
  auto e = parse_int("node_id", "0", 1, kMaxInt, &v);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "--node_id must be an integer >= 1, got \"0\"");
  e = parse_int("state", "2", 0, 1, &v);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "--state must be 0 or 1, got \"2\"");
}

TEST(DbValidate, TextLengthInCharacters) {
  EXPECT_EQ(text_length("abc"), 3u);
  EXPECT_EQ(text_length("\xc3\xa9t\xc3\xa9"), 3u);  // "été"
  std::string accents;
  for (int i = 0; i < 64; ++i) accents += "\xc3\xa9";  // 64 characters, 128 bytes
  EXPECT_FALSE(check_text("description", accents));
  EXPECT_TRUE(check_text("description", accents + "x"));
  EXPECT_FALSE(check_text("description", ""));
  auto e = check_text("sip_addr", "a\nb");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("control characters"), std::string::npos);
}

TEST(DbValidate, Flags) {
  EXPECT_TRUE(flags_recognised(""));
  EXPECT_TRUE(flags_recognised("seed"));
  EXPECT_TRUE(flags_recognised("seed,whatever"));
  EXPECT_FALSE(flags_recognised("Seed"));
  EXPECT_FALSE(flags_recognised("noseed"));
}

TEST(DbValidate, Names) {
  lc::store::TableNames n;
  EXPECT_FALSE(check_names(n));
  n.url = "node_id";
  auto e = check_names(n);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("same name as --node_id_col"), std::string::npos) << e->message;
  n = {};
  n.flags = "a b";
  EXPECT_TRUE(check_names(n));
  n = {};
  n.table = "";
  EXPECT_TRUE(check_names(n));
  n = {};
  n.table = std::string(33, 't');
  e = check_names(n);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("32"), std::string::npos) << e->message;
  n = {};
  n.description = std::string(64, 'c');
  EXPECT_TRUE(check_names(n));
  n.description = std::string(63, 'c');
  EXPECT_FALSE(check_names(n));
}

TEST(DbValidate, RowFields) {
  FieldArgs a;
  EXPECT_FALSE(a.any());
  a.cluster_id = "3";
  a.url = "bin:h:1";
  a.sip_addr = "";
  lc::store::RowFields f;
  ASSERT_FALSE(to_row_fields(a, &f));
  EXPECT_EQ(f.cluster_id, 3);
  EXPECT_EQ(f.url, "bin:h:1");
  EXPECT_EQ(f.sip_addr, "");  // the store stores "" as NULL
  EXPECT_FALSE(f.node_id);
  EXPECT_FALSE(f.description);
  a.priority = "-5";
  auto e = to_row_fields(a, &f);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("--priority"), std::string::npos);
}

}  // namespace
}  // namespace lc::nodectl::db
