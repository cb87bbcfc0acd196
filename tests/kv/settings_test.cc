// kv_collection, kv_url and kv_cluster_persistency (kv-capability.md §2.4).
#include <gtest/gtest.h>

#include "libcluster/kv/settings.h"

namespace lc::kv {
namespace {

TEST(kv_settings, CollectionItems) {
  EXPECT_EQ(*parse_collection("default/r"), (CollectionSpec{"default", true, 9}));
  EXPECT_EQ(*parse_collection("sess/r=10"), (CollectionSpec{"sess", true, 10}));
  EXPECT_EQ(*parse_collection(" sess/r = 4 "), (CollectionSpec{"sess", true, 4}));
  EXPECT_EQ(*parse_collection("plain=0"), (CollectionSpec{"plain", false, 0}));
  EXPECT_EQ(*parse_collection("x"), (CollectionSpec{"x", false, 9}));
  for (const char* bad : {"", "/r", "x=", "x=abc", "x=-1", "x=25", "x=1.5", "a b", "a/b", "x=99999"})
    EXPECT_FALSE(parse_collection(bad)) << bad;
  for (const char* text : {"default/r", "sess/r=10", "plain=0", "x"})
    EXPECT_EQ(format_collection(*parse_collection(text)), text);
}

TEST(kv_settings, DefaultIsPrependedDuplicatesRefused) {
  auto c = build_collections({"sess/r=10"});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<CollectionSpec>{{"default", false, 9}, {"sess", true, 10}}));
  auto listed = build_collections({"sess/r", "default/r"});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->front().name, "sess") << "listed order kept: sess is the first collection";
  EXPECT_TRUE(listed->back().replicated);
  EXPECT_EQ(build_collections({})->size(), 1u);
  auto dup = build_collections({"a", "b/r", "a/r"});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), "\"a/r\": collection listed twice");
  EXPECT_FALSE(build_collections({"a", "sess=x"}));
  auto near = build_collections({"defaults"});
  ASSERT_EQ(near->size(), 2u) << "no 7-byte prefix test for default (§5)";
  EXPECT_EQ(near->front().name, "default");
}

TEST(kv_settings, Urls) {
  EXPECT_EQ(*parse_url("local://"), (UrlBinding{"", ""}));
  EXPECT_EQ(*parse_url("local://sess"), (UrlBinding{"", "sess"}));
  EXPECT_EQ(*parse_url("local:///sess"), (UrlBinding{"", "sess"}));
  EXPECT_EQ(*parse_url("local:g1://sess"), (UrlBinding{"g1", "sess"}));
  EXPECT_EQ(*parse_url("local:g1:///sess"), (UrlBinding{"g1", "sess"}));
  EXPECT_EQ(*parse_url("local:g1://"), (UrlBinding{"g1", ""}));
  for (const char* bad : {"", "local", "redis://x", "local:://x", "local://a/b", "local://u@h",
                          "Local://x"})
    EXPECT_FALSE(parse_url(bad)) << bad;
  EXPECT_EQ(format_url({"g1", "sess"}), "local:g1://sess");
  EXPECT_EQ(format_url({"", ""}), "local://");
  const auto cols = *build_collections({"sess/r"});
  EXPECT_TRUE(build_urls({"local://", "local:g://sess"}, cols));
  EXPECT_FALSE(build_urls({"local:g://sess", "local:g://default"}, cols)) << "group bound twice";
  EXPECT_FALSE(build_urls({"local://", "local:///default"}, cols)) << "plain local bound twice";
  auto unknown = build_urls({"local:g://other"}, cols);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "\"local:g://other\": collection \"other\" is not defined");
}

TEST(kv_settings, PersistencyIsCaseInsensitive) {
  EXPECT_EQ(parse_persistency("sync-from-cluster"), Persistency::kSyncFromCluster);
  EXPECT_EQ(parse_persistency("Sync-From-Cluster"), Persistency::kSyncFromCluster);
  EXPECT_EQ(parse_persistency("NONE"), Persistency::kNone);
  EXPECT_FALSE(parse_persistency("sync"));
  EXPECT_FALSE(parse_persistency(""));
  EXPECT_EQ(persistency_name(Persistency::kNone), "none");
}

}  // namespace
}  // namespace lc::kv
