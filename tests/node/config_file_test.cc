// A node configured from a TOML file, file plus flags, and --print-config
// output read back.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace lc::node::test {
namespace {

constexpr const char* kNode1Toml = R"(# node 1 of the demo cluster
my_node_id = 1
db_mode = 0
socket = ["bin:127.0.0.1:5001", "bin:[::1]:5001"]
my_node_info = ["cluster_id=1,url=bin:127.0.0.1:5001"]
neighbor_node_info = [
  "cluster_id=1,node_id=2,url=bin:127.0.0.1:5002",  # node 2
  # node 3 is on IPv6
  "cluster_id=1,node_id=3,url=bin:[::1]:5003",
]
sharing_tag = "vip/1=active"   # a single value for a list key is a one-entry list
ping_interval = 2
ping_timeout = 500
enable_stats = false
mi_socket = "/tmp/n1.sock"
mi_http = "127.0.0.1:8081"
log_level = "debug"
pid_file = '/tmp/n1.pid'
)";

TEST(config_file, ReadsEveryKindOfKey) {
  TempFile file(kNode1Toml);
  NodeConfig cfg = parse_ok({"--config", file.path()});
  EXPECT_EQ(cfg.core.my_node_id, 1);
  EXPECT_FALSE(cfg.core.db_mode);
  ASSERT_EQ(cfg.listeners.size(), 2u);
  EXPECT_EQ(cfg.listeners[1].host, "::1");
  ASSERT_EQ(cfg.clusters.size(), 1u);
  ASSERT_EQ(cfg.clusters[0].nodes.size(), 2u);
  EXPECT_EQ(cfg.clusters[0].nodes[1].url, "bin:[::1]:5003");
  ASSERT_EQ(cfg.sharing_tags.size(), 1u);
  EXPECT_TRUE(cfg.sharing_tags[0].active);
  EXPECT_EQ(cfg.core.ping_interval_s, 2);
  EXPECT_EQ(cfg.core.ping_timeout_ms, 500);
  EXPECT_FALSE(cfg.enable_stats);
  EXPECT_EQ(cfg.mi_socket, "/tmp/n1.sock");
  ASSERT_TRUE(cfg.mi_http.has_value());
  EXPECT_EQ(cfg.mi_http->port, 8081);
  EXPECT_EQ(cfg.log_level, spdlog::level::debug);
  EXPECT_EQ(cfg.pid_file, "/tmp/n1.pid");
}

TEST(config_file, FlagsOverrideTheFile) {
  TempFile file(kNode1Toml);
  NodeConfig cfg = parse_ok({"--config", file.path(), "--ping_interval", "7", "--my_node_id", "1",
                             "--neighbor_node_info", "cluster_id=1,node_id=9,url=127.0.0.1:5009"});
  EXPECT_EQ(cfg.core.ping_interval_s, 7);
  EXPECT_EQ(cfg.core.ping_timeout_ms, 500);  // still from the file
  // A list given as flags replaces the file's list.
  ASSERT_EQ(cfg.clusters.at(0).nodes.size(), 1u);
  EXPECT_EQ(cfg.clusters[0].nodes[0].node_id, 9);
}

TEST(config_file, StringsKeepHashesQuotesAndEscapes) {
  TempFile file(R"(my_node_id = 1
socket = ["bin:127.0.0.1:5001"]
db_url = "mysql://opensips:p#ss\"w\\rd@db/opensips" # a comment
db_table = 'cluster#er'
)");
  NodeConfig cfg = parse_ok({"--config", file.path()});
  EXPECT_EQ(cfg.db.url, "mysql://opensips:p#ss\"w\\rd@db/opensips");
  EXPECT_EQ(cfg.db.names.table, "cluster#er");
}

TEST(config_file, EmptyValuesAndEmptyArrays) {
  TempFile file(R"(my_node_id = 1
db_mode = 0
socket = ["bin:127.0.0.1:5001"]
mi_socket = ""
sharing_tag = []
)");
  NodeConfig cfg = parse_ok({"--config", file.path()});
  EXPECT_EQ(cfg.mi_socket, "");
  EXPECT_TRUE(cfg.sharing_tags.empty());
}

// Every field that render_toml writes, compared one by one.
void expect_same(const NodeConfig& a, const NodeConfig& b) {
  EXPECT_EQ(a.core.my_node_id, b.core.my_node_id);
  EXPECT_EQ(a.core.db_mode, b.core.db_mode);
  EXPECT_EQ(a.core.ping_interval_s, b.core.ping_interval_s);
  EXPECT_EQ(a.core.ping_timeout_ms, b.core.ping_timeout_ms);
  EXPECT_EQ(a.core.node_timeout_s, b.core.node_timeout_s);
  EXPECT_EQ(a.core.enable_rerouting, b.core.enable_rerouting);
  ASSERT_EQ(a.clusters.size(), b.clusters.size());
  for (std::size_t i = 0; i < a.clusters.size(); ++i) {
    const auto& ca = a.clusters[i];
    const auto& cb = b.clusters[i];
    EXPECT_EQ(ca.cluster_id, cb.cluster_id);
    ASSERT_EQ(ca.nodes.size(), cb.nodes.size());
    std::vector<std::pair<const core::NodeInfo*, const core::NodeInfo*>> pairs{
        {&ca.local, &cb.local}};
    for (std::size_t j = 0; j < ca.nodes.size(); ++j)
      pairs.emplace_back(&ca.nodes[j], &cb.nodes[j]);
    for (auto [na, nb] : pairs) {
      EXPECT_EQ(na->node_id, nb->node_id);
      EXPECT_EQ(na->url, nb->url);
      EXPECT_EQ(na->priority, nb->priority);
      EXPECT_EQ(na->no_ping_retries, nb->no_ping_retries);
      EXPECT_EQ(na->sip_addr, nb->sip_addr);
      EXPECT_EQ(na->flags, nb->flags);
    }
  }
  EXPECT_EQ(a.db.url, b.db.url);
  EXPECT_EQ(a.db.names.table, b.db.names.table);
  EXPECT_EQ(a.db.names.url, b.db.names.url);
  EXPECT_EQ(a.db.names.node_id, b.db.names.node_id);
  ASSERT_EQ(a.listeners.size(), b.listeners.size());
  for (std::size_t i = 0; i < a.listeners.size(); ++i) {
    EXPECT_EQ(a.listeners[i].host, b.listeners[i].host);
    EXPECT_EQ(a.listeners[i].port, b.listeners[i].port);
  }
  EXPECT_EQ(a.mi_socket, b.mi_socket);
  EXPECT_EQ(a.mi_http.has_value(), b.mi_http.has_value());
  if (a.mi_http && b.mi_http) {
    EXPECT_EQ(a.mi_http->host, b.mi_http->host);
    EXPECT_EQ(a.mi_http->port, b.mi_http->port);
  }
  EXPECT_EQ(a.log_level, b.log_level);
  EXPECT_EQ(a.pid_file, b.pid_file);
  EXPECT_EQ(a.dispatch_jobs, b.dispatch_jobs);
  EXPECT_EQ(a.tcp_max_msg_time_s, b.tcp_max_msg_time_s);
  EXPECT_EQ(a.enable_stats, b.enable_stats);
  EXPECT_EQ(a.seed_fallback_interval_s, b.seed_fallback_interval_s);
  EXPECT_EQ(a.sync_timeout_s, b.sync_timeout_s);
  EXPECT_EQ(a.sync_packet_size, b.sync_packet_size);
  ASSERT_EQ(a.sharing_tags.size(), b.sharing_tags.size());
  for (std::size_t i = 0; i < a.sharing_tags.size(); ++i) {
    EXPECT_EQ(a.sharing_tags[i].name, b.sharing_tags[i].name);
    EXPECT_EQ(a.sharing_tags[i].cluster_id, b.sharing_tags[i].cluster_id);
    EXPECT_EQ(a.sharing_tags[i].active, b.sharing_tags[i].active);
  }
}

// --print-config output, read back with --config, gives the same config.
void expect_round_trip(const std::vector<std::string>& args) {
  auto printed = parse(with(args, {"--print-config"}));
  ASSERT_TRUE(printed.has_value()) << printed.error().message;
  ASSERT_EQ(printed->mode, Mode::kPrintConfig);
  const std::string toml = render_toml(printed->config);
  TempFile file(toml);
  NodeConfig back = parse_ok({"--config", file.path()});
  expect_same(printed->config, back);
  EXPECT_EQ(render_toml(back), toml);
  EXPECT_TRUE(back.warnings.empty());
}

TEST(config_file, PrintConfigReadsBackTheSame) {
  expect_round_trip(node1_flags());
  expect_round_trip({"--my_node_id", "5",
                     "--db_mode", "0",
                     "--socket", "bin:[::1]:5001",
                     "--socket", "bin:0.0.0.0:6001",
                     "--url_col", "address",
                     "--node_id_col", "nid",
                     "--my_node_info",
                     "cluster_id=1,address=bin:[::1]:5001,flags=seed,sip_addr=[::1]:5060",
                     "--my_node_info", "cluster_id=3,address=10.9.9.9:6001,priority=7",
                     "--neighbor_node_info",
                     "cluster_id=3,nid=2,address=bin:h.example:5002,no_ping_retries=0",
                     "--sharing_tag", "vip/1=active",
                     "--sharing_tag", "b/3=backup",
                     "--db_url", "mysql://u:\"p\\w#@db/x\t",
                     "--mi_http", "[::1]:8080",
                     "--mi_socket", "",
                     "--pid_file", "/run/x.pid",
                     "--log_level", "WARNING",
                     "--ping_interval", "0",
                     "--enable_rerouting", "0",
                     "--dispatch_jobs", "0",
                     "--tcp_max_msg_time", "9",
                     "--sync_packet_size", "65535"});
}

TEST(config_file, PrintConfigInDbMode) {
  expect_round_trip({"--my_node_id", "2",
                     "--db_url", "postgres://db/opensips",
                     "--db_table", "nodes",
                     "--socket", "bin:10.0.0.2:5555",
                     "--state_col", "enabled"});
}

}  // namespace
}  // namespace lc::node::test
