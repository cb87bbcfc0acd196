// `sharing_tag_failover` (ours, docs/decisions.md SH10): flags and TOML,
// duplicates, bad values, and the --print-config round trip.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace lc::node::test {
namespace {

std::vector<std::pair<std::string, int32_t>> tags_of(const NodeConfig& cfg) {
  std::vector<std::pair<std::string, int32_t>> out;
  for (const auto& t : cfg.sharing_tag_failover) out.emplace_back(t.name, t.cluster_id);
  return out;
}

TEST(config_shtag_failover, OffByDefault) {
  EXPECT_TRUE(parse_ok(node1_flags()).sharing_tag_failover.empty());
}

TEST(config_shtag_failover, RepeatableFlagTrimmedEachTagOnce) {
  NodeConfig cfg = parse_ok(with(node1_flags(), {"--sharing_tag_failover", "vip/1",
                                                 "--sharing_tag_failover", " db / 2 ",
                                                 "--sharing_tag_failover", "vip/1"}));
  EXPECT_EQ(tags_of(cfg), (std::vector<std::pair<std::string, int32_t>>{{"vip", 1}, {"db", 2}}));
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST(config_shtag_failover, TomlListOrSingleValue) {
  TempFile list("my_node_id = 1\ndb_mode = 0\nsocket = [\"bin:127.0.0.1:5001\"]\n"
                "sharing_tag_failover = [\"vip/1\", \"db/1\"]\n");
  EXPECT_EQ(tags_of(parse_ok({"--config", list.path()})),
            (std::vector<std::pair<std::string, int32_t>>{{"vip", 1}, {"db", 1}}));
  TempFile one("my_node_id = 1\ndb_mode = 0\nsocket = [\"bin:127.0.0.1:5001\"]\n"
               "sharing_tag_failover = \"vip/1\"\n");
  EXPECT_EQ(tags_of(parse_ok({"--config", one.path()})),
            (std::vector<std::pair<std::string, int32_t>>{{"vip", 1}}));
}

TEST(config_shtag_failover, BadValuesNameTheKeyAndTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"vip", "bad naming, name/cluster_id expected"},
      {"vip/", "invalid cluster id \"\""},
      {"vip/x", "invalid cluster id \"x\""},
      {"vip/-1", "invalid cluster id \"-1\""},
      {"vip/1=active", "invalid cluster id \"1=active\""},
      {"/1", "empty tag name"},
  };
  for (auto [value, problem] : cases)
    EXPECT_EQ(parse_error(with(node1_flags(), {"--sharing_tag_failover", value})),
              "invalid sharing_tag_failover \"" + std::string(value) + "\": " + problem);
}

TEST(config_shtag_failover, PrintConfigReadsBackTheSame) {
  auto printed = parse(with(node1_flags(), {"--sharing_tag_failover", "vip/1",
                                            "--sharing_tag_failover", "db/3",
                                            "--sharing_tag", "vip/1=active", "--print-config"}));
  ASSERT_TRUE(printed.has_value()) << printed.error().message;
  const std::string toml = render_toml(printed->config);
  EXPECT_NE(toml.find("sharing_tag_failover"), std::string::npos) << toml;
  TempFile file(toml);
  NodeConfig back = parse_ok({"--config", file.path()});
  EXPECT_EQ(tags_of(back), tags_of(printed->config));
  EXPECT_EQ(render_toml(back), toml);
  // Without the key, it is printed empty and reads back empty.
  auto plain = parse(with(node1_flags(), {"--print-config"}));
  ASSERT_TRUE(plain.has_value());
  TempFile plain_file(render_toml(plain->config));
  EXPECT_TRUE(parse_ok({"--config", plain_file.path()}).sharing_tag_failover.empty());
}

}  // namespace
}  // namespace lc::node::test
