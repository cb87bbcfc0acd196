// A node configured from flags alone: defaults, lists, node specs, modes.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace lc::node::test {
namespace {

TEST(config_flags, StartsFromFlagsAlone) {
  NodeConfig cfg = parse_ok(node1_flags());
  EXPECT_EQ(cfg.core.my_node_id, 1);
  EXPECT_FALSE(cfg.core.db_mode);
  ASSERT_EQ(cfg.listeners.size(), 1u);
  EXPECT_EQ(cfg.listeners[0].proto, "bin");
  EXPECT_EQ(cfg.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(cfg.listeners[0].port, 5001);
  EXPECT_EQ(cfg.mi_socket, "/tmp/n1.sock");
  ASSERT_EQ(cfg.clusters.size(), 1u);
  const core::ClusterSpec& c = cfg.clusters[0];
  EXPECT_EQ(c.cluster_id, 1);
  EXPECT_EQ(c.local.node_id, 1);
  EXPECT_EQ(c.local.url, "bin:127.0.0.1:5001");
  EXPECT_EQ(c.local.priority, core::kDefaultScriptPriority);
  ASSERT_EQ(c.nodes.size(), 2u);
  EXPECT_EQ(c.nodes[0].node_id, 2);
  EXPECT_EQ(c.nodes[0].url, "bin:127.0.0.1:5002");
  EXPECT_EQ(c.nodes[1].node_id, 3);
  EXPECT_TRUE(cfg.warnings.empty());
  EXPECT_TRUE(cfg.notices.empty());
}

TEST(config_flags, DefaultsAreOpenSipsDefaults) {
  NodeConfig cfg = parse_ok({"--my_node_id", "7",
                             "--db_url", "mysql://u:p@db/opensips",
                             "--socket", "bin:10.0.0.1:5555"});
  EXPECT_TRUE(cfg.core.db_mode);
  EXPECT_EQ(cfg.db.url, "mysql://u:p@db/opensips");
  EXPECT_EQ(cfg.db.names.table, "clusterer");
  EXPECT_EQ(cfg.core.ping_interval_s, 4);
  EXPECT_EQ(cfg.core.ping_timeout_ms, 1000);
  EXPECT_EQ(cfg.core.node_timeout_s, 60);
  EXPECT_TRUE(cfg.core.enable_rerouting);
  EXPECT_EQ(cfg.seed_fallback_interval_s, 5);
  EXPECT_EQ(cfg.sync_timeout_s, 15);
  EXPECT_EQ(cfg.sync_packet_size, 32768);
  EXPECT_TRUE(cfg.dispatch_jobs);
  EXPECT_EQ(cfg.tcp_max_msg_time_s, 4);
  EXPECT_TRUE(cfg.enable_stats);
  const store::TableNames& c = cfg.db.names;
  EXPECT_EQ(c.id, "id");
  EXPECT_EQ(c.cluster_id, "cluster_id");
  EXPECT_EQ(c.node_id, "node_id");
  EXPECT_EQ(c.url, "url");
  EXPECT_EQ(c.state, "state");
  EXPECT_EQ(c.no_ping_retries, "no_ping_retries");
  EXPECT_EQ(c.priority, "priority");
  EXPECT_EQ(c.sip_addr, "sip_addr");
  EXPECT_EQ(c.flags, "flags");
  EXPECT_EQ(c.description, "description");
  EXPECT_EQ(cfg.mi_socket, kDefaultMiSocket);
  EXPECT_FALSE(cfg.mi_http.has_value());
  EXPECT_EQ(cfg.log_level, spdlog::level::info);
  EXPECT_EQ(cfg.pid_file, "");
  EXPECT_TRUE(cfg.clusters.empty());
  EXPECT_TRUE(cfg.sharing_tags.empty());
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST(config_flags, ListKeysRepeat) {
  NodeConfig cfg = parse_ok(with(node1_flags(), {"--socket", "bin:127.0.0.1:6001",
                                                 "--sharing_tag", "vip/1=active",
                                                 "--sharing_tag", "db/1=backup"}));
  ASSERT_EQ(cfg.listeners.size(), 2u);
  EXPECT_EQ(cfg.listeners[1].port, 6001);
  ASSERT_EQ(cfg.sharing_tags.size(), 2u);
  EXPECT_EQ(cfg.sharing_tags[0].name, "vip");
  EXPECT_TRUE(cfg.sharing_tags[0].active);
  EXPECT_EQ(cfg.sharing_tags[1].name, "db");
  EXPECT_FALSE(cfg.sharing_tags[1].active);
  EXPECT_EQ(cfg.clusters[0].nodes.size(), 2u);
}

TEST(config_flags, EqualsSignAndNegativeValues) {
  NodeConfig cfg = parse_ok(with(node1_flags(), {"--ping_interval=-2",
                                                 "--node_timeout", "-1"}));
  EXPECT_EQ(cfg.core.ping_interval_s, 4);
  EXPECT_EQ(cfg.core.node_timeout_s, 60);
  EXPECT_EQ(cfg.warnings.size(), 2u);
}

TEST(config_flags, CorrectedValuesWarnLikeOpenSips) {
  NodeConfig cfg =
      parse_ok(with(node1_flags(), {"--ping_interval", "0",
                                    "--ping_timeout", "-5",
                                    "--node_timeout", "-1",
                                    "--seed_fallback_interval", "-3"}));
  EXPECT_EQ(cfg.core.ping_interval_s, 4);
  EXPECT_EQ(cfg.core.ping_timeout_ms, 1000);
  EXPECT_EQ(cfg.core.node_timeout_s, 60);
  EXPECT_EQ(cfg.seed_fallback_interval_s, 5);
  ASSERT_EQ(cfg.warnings.size(), 4u);
  EXPECT_EQ(cfg.warnings[0], "invalid ping_interval \"0\": must be >= 1, using the default 4");
  EXPECT_NE(cfg.warnings[1].find("ping_timeout \"-5\""), std::string::npos);
  EXPECT_NE(cfg.warnings[2].find("node_timeout \"-1\""), std::string::npos);
  EXPECT_NE(cfg.warnings[3].find("seed_fallback_interval \"-3\""), std::string::npos);
}

TEST(config_flags, ZeroIsValidWhereOpenSipsAcceptsIt) {
  NodeConfig cfg =
      parse_ok(with(node1_flags(), {"--node_timeout", "0",
                                    "--seed_fallback_interval", "0",
                                    "--sync_timeout", "0",
                                    "--sync_packet_size", "0"}));
  EXPECT_EQ(cfg.core.node_timeout_s, 0);
  EXPECT_EQ(cfg.seed_fallback_interval_s, 0);
  EXPECT_EQ(cfg.sync_timeout_s, 0);
  EXPECT_EQ(cfg.sync_packet_size, 0);
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST(config_flags, SwitchesTakeIntsOrBooleans) {
  NodeConfig cfg = parse_ok(with(node1_flags(), {"--enable_stats", "0",
                                                 "--dispatch_jobs", "false",
                                                 "--enable_rerouting", "2"}));
  EXPECT_FALSE(cfg.enable_stats);
  EXPECT_FALSE(cfg.dispatch_jobs);
  EXPECT_TRUE(cfg.core.enable_rerouting);
  cfg = parse_ok(with(node1_flags(), {"--enable_rerouting", "FALSE"}));
  EXPECT_FALSE(cfg.core.enable_rerouting);
}

// OpenSIPS reads them as ints compared with 0: any integer is accepted, and
// the error for what is not one says so instead of promising 0 or 1.
TEST(config_flags, SwitchesAreOnForAnyNonZeroInteger) {
  using Read = bool (*)(const NodeConfig&);
  const std::pair<const char*, Read> switches[] = {
      {"--enable_stats", [](const NodeConfig& c) { return c.enable_stats; }},
      {"--dispatch_jobs", [](const NodeConfig& c) { return c.dispatch_jobs; }},
      {"--enable_rerouting", [](const NodeConfig& c) { return c.core.enable_rerouting; }},
  };
  for (auto [key, read] : switches) {
    EXPECT_TRUE(read(parse_ok(with(node1_flags(), {key, "2"})))) << key;
    EXPECT_TRUE(read(parse_ok(with(node1_flags(), {key, "-1"})))) << key;
    const std::string err = parse_error(with(node1_flags(), {key, "on"}));
    EXPECT_NE(err.find("any other value on"), std::string::npos) << err;
    EXPECT_EQ(err.find("0 or 1"), std::string::npos) << err;
  }
}

TEST(config_flags, LogLevelsAreSpdlogNames) {
  const std::pair<const char*, spdlog::level::level_enum> cases[] = {
      {"trace", spdlog::level::trace},       {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},         {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn},      {"ERROR", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
  for (auto [name, level] : cases)
    EXPECT_EQ(parse_ok(with(node1_flags(), {"--log_level", name})).log_level, level) << name;
}

TEST(config_flags, NodeSpecOptionalPropertiesAndTrimming) {
  NodeConfig cfg = parse_ok(
      {"--my_node_id", "1",
       "--db_mode", "0",
       "--socket", "bin:127.0.0.1:5001",
       "--my_node_info",
       " cluster_id = 1 , node_id=1, url = bin:127.0.0.1:5001 ,flags=seed,sip_addr=10.0.0.1:5060,",
       "--neighbor_node_info",
       "cluster_id=1,node_id=2,url=bin:127.0.0.1:5002,priority=50,no_ping_retries=0,sip_addr=x"});
  const core::ClusterSpec& c = cfg.clusters.at(0);
  EXPECT_EQ(c.local.url, "bin:127.0.0.1:5001");
  EXPECT_EQ(c.local.flags, "seed");
  EXPECT_EQ(c.local.sip_addr, "10.0.0.1:5060");
  EXPECT_EQ(c.local.priority, 3);
  EXPECT_EQ(c.local.no_ping_retries, 3);
  const core::NodeInfo& n = c.nodes.at(0);
  EXPECT_EQ(n.priority, 50);
  EXPECT_EQ(n.no_ping_retries, 0);
  EXPECT_EQ(n.sip_addr, "x");
  EXPECT_TRUE(n.enabled);
  EXPECT_EQ(n.db_id, -1);
  EXPECT_EQ(n.description, "");
}

TEST(config_flags, SeveralClustersGroupedByClusterId) {
  NodeConfig cfg =
      parse_ok({"--my_node_id", "1",
                "--db_mode", "0",
                "--socket", "bin:127.0.0.1:5001",
                "--my_node_info", "cluster_id=2,url=bin:127.0.0.1:5001",
                "--my_node_info", "cluster_id=1,url=bin:127.0.0.1:5001",
                "--neighbor_node_info", "cluster_id=1,node_id=2,url=127.0.0.1:5002",
                "--neighbor_node_info", "cluster_id=2,node_id=2,url=127.0.0.1:5002",
                "--neighbor_node_info", "cluster_id=2,node_id=4,url=127.0.0.1:5004"});
  ASSERT_EQ(cfg.clusters.size(), 2u);
  EXPECT_EQ(cfg.clusters[0].cluster_id, 2);
  EXPECT_EQ(cfg.clusters[0].nodes.size(), 2u);
  EXPECT_EQ(cfg.clusters[1].cluster_id, 1);
  EXPECT_EQ(cfg.clusters[1].nodes.size(), 1u);
}

TEST(config_flags, Ipv6SocketsUrlsAndMiHttp) {
  NodeConfig cfg =
      parse_ok({"--my_node_id", "1",
                "--db_mode", "0",
                "--socket", "bin:[::1]:5001",
                "--socket", "bin:[fd00::1]:5001",
                // Another spelling of the same address still matches.
                "--my_node_info", "cluster_id=1,url=bin:[0:0::1]:5001",
                "--my_node_info", "cluster_id=2,url=bin:[fd00::1]:5001",
                "--neighbor_node_info", "cluster_id=1,node_id=2,url=bin:[::1]:5002",
                "--mi_http", "[::1]:8080"});
  ASSERT_EQ(cfg.listeners.size(), 2u);
  EXPECT_EQ(cfg.listeners[0].host, "::1");
  EXPECT_EQ(cfg.listeners[0].port, 5001);
  EXPECT_EQ(cfg.clusters.at(0).nodes.at(0).url, "bin:[::1]:5002");
  ASSERT_TRUE(cfg.mi_http.has_value());
  EXPECT_EQ(cfg.mi_http->host, "::1");
  EXPECT_EQ(cfg.mi_http->port, 8080);
}

TEST(config_flags, WildcardListenerAndDefaultBinPort) {
  NodeConfig cfg =
      parse_ok({"--my_node_id", "1",
                "--db_mode", "0",
                "--socket", "bin:0.0.0.0:5001",
                "--socket", "bin:127.0.0.2:5555",
                "--my_node_info", "cluster_id=1,url=bin:10.1.2.3:5001",
                // No protocol means bin, no port means 5555 (schema.md §3).
                "--my_node_info", "cluster_id=2,url=127.0.0.2"});
  EXPECT_EQ(cfg.clusters.size(), 2u);
}

TEST(config_flags, RenamedColumnsAreThePropertyNames) {
  NodeConfig cfg =
      parse_ok({"--my_node_id", "1",
                "--db_mode", "0",
                "--socket", "bin:127.0.0.1:5001",
                "--url_col", "address",
                "--node_id_col", "nid",
                "--cluster_id_col", "cid",
                "--priority_col", "prio",
                "--my_node_info", "cid=1,address=bin:127.0.0.1:5001",
                "--neighbor_node_info", "cid=1,nid=2,address=bin:127.0.0.1:5002,prio=9"});
  EXPECT_EQ(cfg.db.names.url, "address");
  EXPECT_EQ(cfg.clusters.at(0).nodes.at(0).priority, 9);
  std::string err = parse_error({"--my_node_id", "1",
                                 "--db_mode", "0",
                                 "--socket", "bin:127.0.0.1:5001",
                                 "--url_col", "address",
                                 "--my_node_info", "cluster_id=1,url=bin:127.0.0.1:5001"});
  EXPECT_NE(err.find("unknown property \"url\""), std::string::npos) << err;
  EXPECT_NE(err.find("address"), std::string::npos) << err;
}

TEST(config_flags, ColumnNamesMaySwap) {
  NodeConfig cfg = parse_ok({"--my_node_id", "1",
                             "--db_mode", "0",
                             "--socket", "bin:127.0.0.1:5001",
                             "--url_col", "node_id",
                             "--node_id_col", "url",
                             "--my_node_info", "cluster_id=1,node_id=bin:127.0.0.1:5001,url=1"});
  EXPECT_EQ(cfg.clusters.at(0).local.url, "bin:127.0.0.1:5001");
}

TEST(config_flags, NodeInfoIgnoredOutsideDbModeZero) {
  NodeConfig cfg =
      parse_ok({"--my_node_id", "1",
                "--db_url", "postgres://db/opensips",
                "--socket", "bin:127.0.0.1:5001",
                "--my_node_info", "cluster_id=1,url=bin:127.0.0.1:5001",
                "--neighbor_node_info", "whatever"});
  EXPECT_TRUE(cfg.clusters.empty());
  ASSERT_EQ(cfg.notices.size(), 2u);
  EXPECT_NE(cfg.notices[0].find("my_node_info is ignored"), std::string::npos);
  EXPECT_NE(cfg.notices[1].find("neighbor_node_info is ignored"), std::string::npos);
}

TEST(config_flags, DbModeZeroWithoutClustersOnlyWarns) {
  NodeConfig cfg =
      parse_ok({"--my_node_id", "1",
                "--db_mode", "0",
                "--socket", "bin:127.0.0.1:5001"});
  EXPECT_TRUE(cfg.clusters.empty());
  EXPECT_EQ(cfg.warnings.size(), 1u);
}

TEST(config_flags, SharingTagsFollowOpenSipsRules) {
  NodeConfig cfg =
      parse_ok(with(node1_flags(), {"--sharing_tag", " vip / 1 = active ",
                                    "--sharing_tag", "db/2=backup",
                                    "--sharing_tag", "vip/1=backup",
                                    "--sharing_tag", "loose/1=act",
                                    "--sharing_tag", "empty/1="}));
  ASSERT_EQ(cfg.sharing_tags.size(), 4u);
  EXPECT_EQ(cfg.sharing_tags[0].name, "vip");
  EXPECT_EQ(cfg.sharing_tags[0].cluster_id, 1);
  EXPECT_FALSE(cfg.sharing_tags[0].active);  // the last definition wins
  EXPECT_EQ(cfg.sharing_tags[1].cluster_id, 2);
  EXPECT_TRUE(cfg.sharing_tags[2].active);  // prefix of "active"
  EXPECT_TRUE(cfg.sharing_tags[3].active);  // an empty state reads as active
  EXPECT_EQ(cfg.warnings.size(), 2u);
}

TEST(config_flags, ModesAreReported) {
  auto help = parse({"--help"});
  ASSERT_TRUE(help.has_value());
  EXPECT_EQ(help->mode, Mode::kHelp);
  EXPECT_NE(help->text.find("--neighbor_node_info"), std::string::npos);
  EXPECT_NE(help->text.find("--check-config"), std::string::npos);

  auto version = parse({"--version"});
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(version->mode, Mode::kVersion);
  EXPECT_EQ(version->text.rfind("clusterd ", 0), 0u);

  auto check = parse(with(node1_flags(), {"--check-config"}));
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->mode, Mode::kCheckConfig);
  EXPECT_EQ(check->config.core.my_node_id, 1);

  auto print = parse(with(node1_flags(), {"--print-config"}));
  ASSERT_TRUE(print.has_value());
  EXPECT_EQ(print->mode, Mode::kPrintConfig);

  auto run = parse(node1_flags());
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->mode, Mode::kRun);
}

TEST(config_flags, HelpAndVersionWinOverBadConfiguration) {
  auto help = parse({"--my_node_id", "zero", "-h"});
  ASSERT_TRUE(help.has_value());
  EXPECT_EQ(help->mode, Mode::kHelp);
  auto version = parse({"--version",
                        "--socket", "nonsense"});
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(version->mode, Mode::kVersion);
}

TEST(config_flags, CheckConfigStillValidates) {
  EXPECT_NE(parse_error({"--check-config"}).find("my_node_id"), std::string::npos);
  EXPECT_NE(parse_error({"--print-config",
                         "--my_node_id", "1"}).find("db_url"), std::string::npos);
}

TEST(config_flags, LogFormat) {
  EXPECT_EQ(parse_ok(node1_flags()).log_format, logging::LogFormat::kText);
  auto flags = node1_flags();
  flags.insert(flags.end(), {"--log_format", "json"});
  EXPECT_EQ(parse_ok(flags).log_format, logging::LogFormat::kJson);
}

TEST(config_flags, JsonEscapeKeepsEveryLineOneObject) {
  EXPECT_EQ(logging::json_escape("plain"), "plain");
  EXPECT_EQ(logging::json_escape("a \"b\" \\ c\n\t\x01"), "a \\\"b\\\" \\\\ c\\n\\t\\u0001");
  EXPECT_EQ(logging::json_escape("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace lc::node::test
