// The clusterer-table load rules (schema.md §2, §4.1) without a database.
#include "libcluster/store/load.h"

#include <gtest/gtest.h>

namespace lc::store {
namespace {

Row row(int64_t id, int64_t cluster, int64_t node, std::string url) {
  Row r;
  r.id = id;
  r.cluster_id = cluster;
  r.node_id = node;
  r.url = std::move(url);
  return r;
}

// Node 1 listens on 127.0.0.1:5001; "nowhere.invalid" does not resolve.
LoadHooks hooks() {
  return LoadHooks{
      .is_local = [](const core::BinUrl& u) { return u.host == "127.0.0.1" && u.port == 5001; },
      .resolves = [](const std::string& host) { return host != "nowhere.invalid"; },
  };
}

using Versions = Expected<std::vector<std::optional<int64_t>>, Error>;

TEST(store_load, VersionCheckTexts) {
  EXPECT_FALSE(check_version(Versions(std::vector<std::optional<int64_t>>{4}), "clusterer"));
  auto none = check_version(Versions(std::vector<std::optional<int64_t>>{}), "clusterer");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->code, ErrorCode::kNoSchema);
  EXPECT_EQ(none->message, "'clusterer' record not found in 'version' table, expected ver 4");
  auto old = check_version(Versions(std::vector<std::optional<int64_t>>{2}), "nodes");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->code, ErrorCode::kBadVersion);
  EXPECT_EQ(old->message, "invalid version 2 for table nodes found, expected 4");
  auto two = check_version(Versions(std::vector<std::optional<int64_t>>{4, 4}), "clusterer");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->message.rfind("querying version for table clusterer", 0), 0u);
  auto null = check_version(Versions(std::vector<std::optional<int64_t>>{std::nullopt}), "c");
  ASSERT_TRUE(null);
  EXPECT_EQ(null->code, ErrorCode::kBadVersion);
  auto missing = check_version(Versions(unexpected(Error{ErrorCode::kNoSchema, "no version table"})), "c");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->message, "no version table");
}

TEST(store_load, BuildsClustersInOrderOfFirstAppearance) {
  Row b = row(20, 1, 2, "bin:127.0.0.1:5002");
  b.description = "Node B";
  b.priority = 7;
  b.no_ping_retries = 0;
  b.sip_addr = "10.0.0.2:5060";
  b.state = 0;
  Row a = row(10, 1, 1, "bin:127.0.0.1:5001");
  a.flags = "seed";
  std::vector<Row> rows = {row(30, 9, 1, "127.0.0.1:5001"), b, a, row(40, 9, 3, "bin:[::1]:5003")};
  auto loaded = build_clusters(rows, 1, hooks());
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->clusters.size(), 2u);
  const auto& c9 = loaded->clusters[0];
  EXPECT_EQ(c9.cluster_id, 9);
  EXPECT_EQ(c9.local.db_id, 30);
  ASSERT_EQ(c9.nodes.size(), 1u);
  EXPECT_EQ(c9.nodes[0].node_id, 3);
  const auto& c1 = loaded->clusters[1];
  EXPECT_EQ(c1.local.flags, "seed");
  ASSERT_EQ(c1.nodes.size(), 1u);
  const core::NodeInfo& n2 = c1.nodes[0];
  EXPECT_EQ(n2.db_id, 20);
  EXPECT_EQ(n2.description, "Node B");
  EXPECT_EQ(n2.priority, 7);
  EXPECT_EQ(n2.no_ping_retries, 0);
  EXPECT_EQ(n2.sip_addr, "10.0.0.2:5060");
  EXPECT_FALSE(n2.enabled);
  // Cluster 9 has no seed (§4.1 step 5); cluster 1 has one.
  ASSERT_EQ(loaded->notices.size(), 1u);
  EXPECT_EQ(loaded->notices[0],
            "No seed node defined in cluster: 9! Some clustering capabilities might not be able to sync data");
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(store_load, NonZeroStateIsEnabledAndSeedIsAPrefix) {
  Row a = row(1, 1, 1, "bin:127.0.0.1:5001");
  Row b = row(2, 1, 2, "bin:127.0.0.1:5002");
  b.state = 5;
  b.flags = "seedling";
  auto loaded = build_clusters({a, b}, 1, hooks());
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->clusters[0].nodes[0].enabled);
  EXPECT_TRUE(loaded->notices.empty());  // "seedling" starts with "seed"
}

TEST(store_load, BadRowsOfOtherNodesAreSkippedNamingTheRow) {
  std::vector<Row> rows = {
      row(1, 1, 1, "bin:127.0.0.1:5001"), row(2, 1, 2, ""),
      row(3, 1, 3, "udp:127.0.0.1:5060"), row(4, 1, 4, "bin:nowhere.invalid:5004"),
      row(5, 1, 0, "bin:127.0.0.1:5005"), row(6, 1, 6, "bin:127.0.0.1:5006"),
      row(7, 1, 6, "bin:127.0.0.1:5007"), row(8, 1, 8, "bin:127.0.0.1:notaport"),
  };
  auto loaded = build_clusters(rows, 1, hooks());
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->clusters[0].nodes.size(), 1u);
  EXPECT_EQ(loaded->clusters[0].nodes[0].db_id, 6);
  ASSERT_EQ(loaded->warnings.size(), 6u);
  EXPECT_EQ(loaded->warnings[0], "skipping row id 2 (cluster 1, node 2): Bad URL! (empty)");
  EXPECT_EQ(loaded->warnings[1],
            "skipping row id 3 (cluster 1, node 3): Clusterer currently supports only BIN/BINS "
            "protocols, but node: 3 has proto=udp");
  EXPECT_EQ(loaded->warnings[2], "skipping row id 4 (cluster 1, node 4): Cannot resolve host: nowhere.invalid");
  EXPECT_NE(loaded->warnings[3].find("row id 5"), std::string::npos);
  EXPECT_NE(loaded->warnings[3].find("node_id 0"), std::string::npos);
  EXPECT_EQ(loaded->warnings[4], "skipping row id 7 (cluster 1, node 6): (cluster_id, node_id) seen before");
  EXPECT_NE(loaded->warnings[5].find("row id 8"), std::string::npos);
}

TEST(store_load, BadLocalRowFailsTheLoad) {
  auto not_ours = build_clusters({row(1, 1, 1, "bin:127.0.0.1:6000")}, 1, hooks());
  ASSERT_FALSE(not_ours);
  EXPECT_EQ(not_ours.error().code, ErrorCode::kInvalid);
  EXPECT_NE(not_ours.error().message.find("Invalid info for local node"), std::string::npos);
  EXPECT_NE(not_ours.error().message.find("non-local socket 127.0.0.1"), std::string::npos);
  auto bad_url = build_clusters({row(1, 1, 1, "sip:127.0.0.1:5001"), row(2, 1, 2, "127.0.0.1:5002")},
                                1, hooks());
  ASSERT_FALSE(bad_url);
  EXPECT_NE(bad_url.error().message.find("row id 1"), std::string::npos);
  // A second cluster whose local row is bad fails the whole load too.
  auto second = build_clusters({row(1, 1, 1, "bin:127.0.0.1:5001"), row(2, 2, 1, "")}, 1, hooks());
  EXPECT_FALSE(second);
}

TEST(store_load, NoLocalRowAndLimits) {
  auto none = build_clusters({row(1, 1, 2, "bin:127.0.0.1:5002")}, 1, hooks());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "Current node does not belong to any cluster");

  std::vector<Row> many_clusters;
  for (int c = 1; c <= 65; ++c) many_clusters.push_back(row(c, c, 1, "bin:127.0.0.1:5001"));
  EXPECT_FALSE(build_clusters(many_clusters, 1, hooks()));
  many_clusters.pop_back();
  EXPECT_TRUE(build_clusters(many_clusters, 1, hooks()));

  std::vector<Row> many_rows = {row(1, 1, 1, "bin:127.0.0.1:5001")};
  for (int n = 2; n <= 129; ++n) many_rows.push_back(row(n, 1, n, "bin:127.0.0.1:6000"));
  auto too_many = build_clusters(many_rows, 1, hooks());
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message.find("129 rows"), std::string::npos);
  many_rows.pop_back();
  EXPECT_TRUE(build_clusters(many_rows, 1, hooks()));
}

TEST(store_load, LoneNodeNotice) {
  auto loaded = build_clusters({row(1, 1, 1, "bin:127.0.0.1:5001")}, 1, hooks());
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->notices.size(), 2u);
  EXPECT_EQ(loaded->notices[1], "The local node is the only one in the cluster");
}

}  // namespace
}  // namespace lc::store
