// The pieces of the configuration layer: the TOML reader, addresses and
// scalar values.
#include <gtest/gtest.h>

#include "node/config_addr.h"
#include "node/config_toml.h"
#include "node/config_values.h"

namespace lc::node::detail {
namespace {

TEST(config_toml, ReadsTheSubset) {
  auto r = parse_toml(
      "# comment\r\n"
      "a = 1_000 # trailing comment\n"
      "b-2 = -7\n"
      "c = true\n"
      "d = \"x\\ty\\\"z\\\\ \\u00e9 # not a comment\"\n"
      "e = 'C:\\path'\n"
      "f = [ ]\n"
      "g = [\n  \"one\", # first\n\n  2,\n]\n");
  ASSERT_TRUE(r.has_value()) << r.error();
  const auto& e = *r;
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e[0].key, "a");
  EXPECT_EQ(e[0].values, std::vector<std::string>{"1000"});
  EXPECT_EQ(e[1].key, "b-2");
  EXPECT_EQ(e[1].values, std::vector<std::string>{"-7"});
  EXPECT_EQ(e[1].line, 3);
  EXPECT_EQ(e[2].values, std::vector<std::string>{"true"});
  EXPECT_EQ(e[3].values, std::vector<std::string>{"x\ty\"z\\ \xC3\xA9 # not a comment"});
  EXPECT_EQ(e[4].values, std::vector<std::string>{"C:\\path"});
  EXPECT_TRUE(e[5].array);
  EXPECT_TRUE(e[5].values.empty());
  EXPECT_EQ(e[6].values, (std::vector<std::string>{"one", "2"}));
  EXPECT_FALSE(e[0].array);
}

TEST(config_toml, RefusesWhatItDoesNotRead) {
  for (const char* text : {"a = 1.5", "a = 1__0", "a = _1", "a = [[1]]", "a = '''x'''",
                           "a = \"\\q\"", "a = \"\\uD800\"", "= 1", "a 1", "a = 1 2", "a = TRUE"})
    EXPECT_FALSE(parse_toml(text).has_value()) << text;
}

TEST(config_toml, QuoteReadsBack) {
  const std::string nasty = std::string("a\"b\\c\td\ne\x01#f'g") + "\x7f";
  auto r = parse_toml("k = " + toml_quote(nasty) + "\n");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->at(0).values.at(0), nasty);
}

TEST(config_addr, Listeners) {
  auto v4 = parse_listener("bin:10.0.0.1:5555");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(format_listener(*v4), "bin:10.0.0.1:5555");
  auto v6 = parse_listener("bin:[fe80::1]:6000");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "fe80::1");
  EXPECT_EQ(format_listener(*v6), "bin:[fe80::1]:6000");
  EXPECT_FALSE(parse_listener("bin:10.0.0.1:").has_value());
  EXPECT_FALSE(parse_listener("bin:10.0.0.1:5555x").has_value());
  EXPECT_FALSE(parse_listener("bin:[::1]x:5555").has_value());
  EXPECT_FALSE(parse_listener("BIN:10.0.0.1:5555").has_value());
}

TEST(config_addr, NodeUrls) {
  auto plain = parse_node_url("10.0.0.1");
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, 5555);
  auto tls = parse_node_url("bins:[::1]");
  ASSERT_TRUE(tls.has_value());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->host, "::1");
  EXPECT_EQ(tls->port, 5556);
  auto named = parse_node_url("bin:node2.example:5002");
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->host, "node2.example");
  EXPECT_FALSE(parse_node_url("bin:::1:5002").has_value());
  EXPECT_FALSE(parse_node_url("bin::5002").has_value());
  EXPECT_FALSE(parse_node_url("").has_value());
}

TEST(config_addr, ListensOn) {
  std::vector<Listener> ls = {{"bin", "10.0.0.1", 5001}, {"bin", "::", 6001}};
  auto url = [](const char* u) { return *parse_node_url(u); };
  EXPECT_TRUE(listens_on(ls, url("bin:10.0.0.1:5001")));
  EXPECT_FALSE(listens_on(ls, url("bin:10.0.0.2:5001")));
  EXPECT_FALSE(listens_on(ls, url("bins:10.0.0.1:5001")));
  EXPECT_TRUE(listens_on(ls, url("bin:[2001:db8::5]:6001")));  // IPv6 wildcard
  EXPECT_FALSE(listens_on(ls, url("bin:10.0.0.1:6001")));      // other family
  EXPECT_FALSE(listens_on(ls, url("bin:node1:5001")));
}

TEST(config_values, Decimals) {
  EXPECT_EQ(parse_decimal("42"), 42);
  EXPECT_EQ(parse_decimal("+42"), 42);
  EXPECT_EQ(parse_decimal("-42"), -42);
  EXPECT_EQ(parse_decimal("010"), 10);
  EXPECT_EQ(parse_decimal("2147483647"), INT32_MAX);
  EXPECT_EQ(parse_decimal("-2147483648"), INT32_MIN);
  for (const char* bad : {"", "-", "2147483648", "0x10", " 1", "1 ", "1e3", "--1"})
    EXPECT_FALSE(parse_decimal(bad).has_value()) << bad;
  EXPECT_FALSE(parse_unsigned("+1").has_value());
  EXPECT_EQ(parse_switch("0"), false);
  EXPECT_EQ(parse_switch("True"), true);
  EXPECT_FALSE(parse_switch("yes").has_value());
}

TEST(config_values, SharingTagStatePrefixes) {
  const std::pair<const char*, bool> cases[] = {{"a/1=active", true}, {"a/1=a", true},
                                                {"a/1=", true},       {"a/1=backup", false},
                                                {"a/1=ba", false},    {"a/1 = back ", false}};
  for (auto [text, active] : cases) {
    auto t = parse_sharing_tag(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(t->tag.active, active) << text;
  }
  EXPECT_FALSE(parse_sharing_tag("a/1=active")->loose_state);
  EXPECT_TRUE(parse_sharing_tag("a/1=act")->loose_state);
  EXPECT_EQ(format_sharing_tag(parse_sharing_tag(" a b / 007 =b")->tag), "a b/7=backup");
  EXPECT_FALSE(parse_sharing_tag("a/1=backups").has_value());
}

TEST(config_values, LogLevelNames) {
  for (auto level :
       {spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
        spdlog::level::err, spdlog::level::critical, spdlog::level::off})
    EXPECT_EQ(parse_log_level(log_level_name(level)), level);
  EXPECT_EQ(log_level_name(spdlog::level::warn), "warn");
  EXPECT_FALSE(parse_log_level("err").has_value());
}

}  // namespace
}  // namespace lc::node::detail
