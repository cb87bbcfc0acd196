// clusterd's kv_* keys (node/config.cc): defaults, flags, TOML, the errors
// that stop the node, the warnings, and the --print-config round trip.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace lc::node::test {
namespace {

TEST(kv_config, Defaults) {
  const NodeConfig cfg = parse_ok(node1_flags());
  EXPECT_EQ(cfg.kv.cluster_id, 0);
  EXPECT_EQ(cfg.kv.collections, (std::vector<kv::CollectionSpec>{{"default", false, 9}}));
  EXPECT_TRUE(cfg.kv.urls.empty());
  EXPECT_EQ(cfg.kv.persistency, kv::Persistency::kSyncFromCluster);
  EXPECT_EQ(cfg.kv.clean_period_s, 600);
  EXPECT_EQ(cfg.kv.persist_file, "");
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST(kv_config, FlagsRepeatAndDefaultIsPrepended) {
  const NodeConfig cfg = parse_ok(with(node1_flags(), {
      "--kv_cluster_id", "1", "--kv_collection", "sess/r=10", "--kv_collection", "calls",
      "--kv_url", "local:g1://sess", "--kv_url", "local://calls",
      "--kv_cluster_persistency", "None", "--kv_clean_period", "30",
      "--kv_persist_file", "/var/lib/clusterd/kv.bin"}));
  EXPECT_EQ(cfg.kv.cluster_id, 1);
  EXPECT_EQ(cfg.kv.collections,
            (std::vector<kv::CollectionSpec>{{"default", false, 9}, {"sess", true, 10}, {"calls", false, 9}}));
  EXPECT_EQ(cfg.kv.urls, (std::vector<kv::UrlBinding>{{"g1", "sess"}, {"", "calls"}}));
  EXPECT_EQ(cfg.kv.persistency, kv::Persistency::kNone);
  EXPECT_EQ(cfg.kv.clean_period_s, 30);
  EXPECT_EQ(cfg.kv.persist_file, "/var/lib/clusterd/kv.bin");
}

TEST(kv_config, TomlFileAndPrintConfigRoundTrip) {
  TempFile file(R"(my_node_id = 1
db_mode = 0
socket = ["bin:127.0.0.1:5001"]
my_node_info = ["cluster_id=1,url=bin:127.0.0.1:5001"]
kv_cluster_id = 1
kv_collection = ["default/r", "sess/r=4"]
kv_url = ["local:s:///sess"]
kv_persist_file = "/tmp/kv.bin"
)");
  const NodeConfig cfg = parse_ok({"--config", file.path()});
  EXPECT_EQ(cfg.kv.collections,
            (std::vector<kv::CollectionSpec>{{"default", true, 9}, {"sess", true, 4}}));
  EXPECT_EQ(cfg.kv.urls, (std::vector<kv::UrlBinding>{{"s", "sess"}}));
  const std::string printed = render_toml(cfg);
  EXPECT_NE(printed.find("kv_url = [\n  \"local:s://sess\""), std::string::npos) << printed;
  TempFile again(printed);
  const NodeConfig back = parse_ok({"--config", again.path()});
  EXPECT_EQ(render_toml(back), printed);
  EXPECT_EQ(back.kv.collections, cfg.kv.collections);
  EXPECT_EQ(back.kv.urls, cfg.kv.urls);
  EXPECT_EQ(back.kv.persist_file, cfg.kv.persist_file);
}

TEST(kv_config, ErrorsStopTheNode) {
  EXPECT_EQ(parse_error(with(node1_flags(), {"--kv_collection", "a", "--kv_collection", "a/r"})),
            "invalid kv_collection \"a/r\": collection listed twice");
  EXPECT_EQ(parse_error(with(node1_flags(), {"--kv_collection", "a=x"})),
            "invalid kv_collection \"a=x\": the size after '=' must be an exponent from 0 to 24 (2^N buckets)");
  EXPECT_EQ(parse_error(with(node1_flags(), {"--kv_clean_period", "0"})),
            "invalid kv_clean_period \"0\": must be > 0");
  EXPECT_EQ(parse_error(with(node1_flags(), {"--kv_cluster_id", "-1"})),
            "invalid kv_cluster_id \"-1\": must be >= 0");
  EXPECT_EQ(parse_error(with(node1_flags(), {"--kv_url", "local:g://nope"})),
            "invalid kv_url \"local:g://nope\": collection \"nope\" is not defined");
  EXPECT_FALSE(parse_error(with(node1_flags(), {"--kv_url", "redis://x"})).empty());
}

TEST(kv_config, WarningsKeepTheNodeGoing) {
  const NodeConfig cfg = parse_ok(with(node1_flags(), {"--kv_collection", "sess/r",
                                                       "--kv_cluster_persistency", "sometimes"}));
  EXPECT_EQ(cfg.kv.persistency, kv::Persistency::kSyncFromCluster);
  EXPECT_EQ(cfg.warnings,
            (std::vector<std::string>{
                "invalid kv_cluster_persistency \"sometimes\": expected sync-from-cluster or none, "
                "using sync-from-cluster",
                "collection sess is replicated but no 'cluster_id' defined!"}));
  EXPECT_TRUE(parse_ok(with(node1_flags(), {"--kv_collection", "sess/r", "--kv_cluster_id", "1"}))
                  .warnings.empty());
}

}  // namespace
}  // namespace lc::node::test
