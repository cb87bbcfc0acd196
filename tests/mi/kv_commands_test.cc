// The cache_* MI commands (kv-capability.md §4): every success and error
// row of the spec tables, the order of the checks, the replication they
// cause, and a replay of the captured OpenSIPS 3.6.8 cache_* replies.
#include <gtest/gtest.h>

#include <optional>

#include "libcluster/kv/kv.h"
#include "mi_test_util.h"

namespace lc::mi::test {
namespace {

const std::string kOk = R"({"jsonrpc":"2.0","result":"OK","id":1})";

std::string result(std::string_view json) {
  return R"({"jsonrpc":"2.0","result":)" + std::string(json) + R"(,"id":1})";
}

std::string invalid(std::string_view data) {
  return R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":")" +
         std::string(data) + R"("},"id":1})";
}

class RecordingLink : public kv::ClusterLink {
 public:
  core::SendResult send_all(const wire::Bytes& packet) override {
    sent.push_back(packet);
    return core::SendResult::kSuccess;
  }
  core::SendResult sync_chunks(int32_t, std::span<const wire::Bytes>) override {
    return core::SendResult::kSuccess;
  }
  core::SendResult sync_end(int32_t) override { return core::SendResult::kSuccess; }
  std::vector<wire::Bytes> sent;
};

// The node's context: the fake one, plus the cache.
class KvContext : public FakeContext {
 public:
  KvContext(core::test::Harness& h, kv::Kv* cache) : FakeContext(h), cache_(cache) {}
  kv::Kv* kv() override { return cache_; }

 private:
  kv::Kv* cache_;
};

kv::KvOptions options(std::vector<std::string> collections = {},
                      std::vector<std::string> urls = {}) {
  kv::KvOptions o;
  o.collections = *kv::build_collections(collections);
  o.urls = *kv::build_urls(urls, o.collections);
  o.cluster_id = 1;
  return o;
}

struct KvNode {
  explicit KvNode(kv::KvOptions o = options())
      : h(core::test::capture_config(1), {core::test::cluster_of(1, 1, {2, 3})}),
        cache(std::move(o), [this] { return now_s; }, {}, &link),
        ctx(h, &cache) {}

  std::string call(std::string_view method, const Json& params = nullptr) {
    Json req;
    req["jsonrpc"] = "2.0";
    req["method"] = std::string(method);
    if (!params.is_null()) req["params"] = params;
    req["id"] = 1;
    Reply r = registry.handle(ctx, to_text(req));
    return r.response ? to_text(*r.response) : "";
  }
  std::string rpc(std::string_view body) {
    Reply r = registry.handle(ctx, body);
    return r.response ? to_text(*r.response) : "";
  }

  core::test::Harness h;
  int64_t now_s = 100;
  RecordingLink link;
  kv::Kv cache;
  KvContext ctx;
  Registry registry = make_clusterer_registry();
};

TEST(mi_kv, StoreFetchRemove) {
  KvNode n(options({"default/r"}));
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "k1", "v1"})), kOk);
  EXPECT_EQ(n.call("cache_fetch", Json::array({"local", "k1"})),
            result(R"({"key":"k1","value":"v1"})"));
  EXPECT_EQ(n.call("cache_remove", Json::array({"local", "k1"})), kOk);
  EXPECT_EQ(n.call("cache_fetch", Json::array({"local", "k1"})), error_reply(400, "Value not found"));
  EXPECT_EQ(n.call("cache_remove", Json::array({"local", "k1"})), kOk) << "absent: still OK";
  ASSERT_EQ(n.link.sent.size(), 3u) << "INSERT, REMOVE, REMOVE of the absent key";
  EXPECT_EQ(n.link.sent[2], *kv::encode_remove({"default", "k1"}));
}

TEST(mi_kv, StoreExpiresAndNamedParams) {
  KvNode n;
  EXPECT_EQ(n.call("cache_store", {{"system", "local"}, {"attr", "k"}, {"value", "v"}, {"expire", 10}}), kOk);
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "k2", "v", "5"})), kOk) << "numeric string";
  n.now_s += 10;
  EXPECT_EQ(n.call("cache_fetch", {{"system", "local"}, {"attr", "k"}}),
            result(R"({"key":"k","value":"v"})"));
  n.now_s += 1;
  EXPECT_EQ(n.call("cache_fetch", Json::array({"local", "k"})), error_reply(400, "Value not found"));
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "k3", "v", 0})), kOk);
  n.now_s += 1'000'000;
  EXPECT_EQ(n.call("cache_fetch", Json::array({"local", "k3"})), result(R"({"key":"k3","value":"v"})"))
      << "expire 0: forever";
  // Numbers are read as strings.
  EXPECT_EQ(n.call("cache_store", Json::array({"local", 5, 6})), kOk);
  EXPECT_EQ(n.call("cache_fetch", Json::array({"local", 5})), result(R"({"key":"5","value":"6"})"));
}

TEST(mi_kv, StoreErrorsInTheSpecOrder) {
  KvNode n;
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "k"})), invalid("Too few or too many parameters"));
  EXPECT_EQ(n.call("cache_store", Json::array({"", "k", "v"})), invalid("Empty memory cache id"));
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "", "v"})), invalid("Empty attribute name"));
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "k", ""})), invalid("Empty value"));
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "k", "v", -1})), invalid("Negative expire value"));
  EXPECT_EQ(n.call("cache_store", Json::array({"", "", "", -1})), invalid("Negative expire value"))
      << "expire is read and checked first";
  EXPECT_EQ(n.call("cache_store", Json::array({"", "k", "v", "x"})),
            invalid("Bad type for parameter 'expire'"));
  EXPECT_EQ(n.call("cache_store", Json::array({"", "", "v"})), invalid("Empty memory cache id"));
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "", ""})), invalid("Empty attribute name"));
  EXPECT_EQ(n.call("cache_store", Json::array({"nosuch", "k", ""})), invalid("Empty value"))
      << "every parameter check comes before the cache lookup";
  EXPECT_EQ(n.call("cache_store", Json::array({Json::array(), "k", "v"})),
            invalid("Bad type for parameter 'system'"));
  for (const char* system : {"nosuch", "local:nosuch", "redis:default", "local:"})
    EXPECT_EQ(n.call("cache_store", Json::array({system, "k", "v"})),
              error_reply(500, "Cache store command failed")) << system;
  EXPECT_EQ(n.cache.store().size(), 0u);
  EXPECT_TRUE(n.link.sent.empty()) << "the default collection is not replicated";
}

TEST(mi_kv, FetchAndRemoveErrors) {
  KvNode n;
  for (const char* cmd : {"cache_fetch", "cache_remove"}) {
    EXPECT_EQ(n.call(cmd, Json::array({"", "k"})), invalid("Empty memory cache id")) << cmd;
    EXPECT_EQ(n.call(cmd, Json::array({"local", ""})), invalid("Empty attribute name")) << cmd;
    EXPECT_EQ(n.call(cmd, Json::array({"local"})), invalid("Too few or too many parameters")) << cmd;
  }
  EXPECT_EQ(n.call("cache_fetch", Json::array({"nosuch", "k"})), error_reply(500, "Cache fetch command failed"));
  EXPECT_EQ(n.call("cache_remove", Json::array({"nosuch", "k"})),
            error_reply(500, "Cache remove command failed"));
  // An empty stored value (the API and the replication allow one) reads as not found.
  ASSERT_EQ(n.cache.put("default", "empty", "", 0), kv::KvStatus::kOk);
  EXPECT_EQ(n.call("cache_fetch", Json::array({"local", "empty"})), error_reply(400, "Value not found"));
}

TEST(mi_kv, GroupsMapToCollections) {
  KvNode n(options({"sess/r", "calls"}, {"local://calls", "local:g1:///sess"}));
  EXPECT_EQ(n.call("cache_store", Json::array({"local", "a", "1"})), kOk);
  EXPECT_EQ(n.call("cache_store", Json::array({"local:g1", "b", "2"})), kOk);
  EXPECT_EQ(n.call("cache_store", Json::array({"local:default", "c", "3"})), kOk) << "K4";
  EXPECT_EQ(*n.cache.get("calls", "a"), "1");
  EXPECT_EQ(*n.cache.get("sess", "b"), "2");
  EXPECT_EQ(*n.cache.get("default", "c"), "3");
  EXPECT_EQ(n.link.sent.size(), 1u) << "only the write to sess/r is replicated";
  EXPECT_EQ(n.call("cache_fetch", Json::array({"local:g1", "a"})), error_reply(400, "Value not found"));
}

TEST(mi_kv, FetchChunk) {
  KvNode n(options({"sess", "default"}));  // default listed, not first (§5)
  n.cache.put("sess", "user:2", "b", 0);
  n.cache.put("sess", "user:1", "a", 1);
  n.cache.put("sess", "admin", "x", 0);
  n.cache.put("default", "user:9", "other", 0);
  n.now_s += 5;  // user:1 expired but not swept: still listed
  EXPECT_EQ(n.call("cache_fetch_chunk", Json::array({"user:*"})),
            result(R"({"keys":[{"name":"user:1","value":"a"},{"name":"user:2","value":"b"}]})"))
      << "no collection: the first one (sess)";
  EXPECT_EQ(n.call("cache_fetch_chunk", {{"glob", "*"}, {"collection", "default"}}),
            result(R"({"keys":[{"name":"user:9","value":"other"}]})"));
  EXPECT_EQ(n.call("cache_fetch_chunk", Json::array({"nomatch*"})), result(R"({"keys":[]})"));
  EXPECT_EQ(n.call("cache_fetch_chunk", Json::array({"*", "nosuch"})),
            R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"Failed to handle parameter"},"id":1})");
  EXPECT_EQ(n.call("cache_fetch_chunk", Json::array({Json::object()})), invalid("Bad type for parameter 'glob'"));
  EXPECT_EQ(n.call("cache_fetch_chunk"), invalid("Too few or too many parameters"));
}

TEST(mi_kv, RemoveChunkIsLocal) {
  KvNode n(options({"sess/r", "default"}));
  n.cache.put("sess", "a1", "v", 0);
  n.cache.put("sess", "a2", "v", 0);
  n.cache.put("sess", "b", "v", 0);
  const std::size_t sent = n.link.sent.size();
  EXPECT_EQ(n.call("cache_remove_chunk", Json::array({"a*"})), kOk);
  EXPECT_EQ(n.call("cache_remove_chunk", Json::array({"zzz"})), kOk) << "0 matches";
  EXPECT_EQ(n.call("cache_remove_chunk", Json::array({"*", "default"})), kOk);
  EXPECT_EQ(n.cache.store().size(), 1u);
  EXPECT_EQ(n.link.sent.size(), sent) << "never replicated";
  EXPECT_EQ(n.call("cache_remove_chunk", Json::array({"*", "nosuch"})), error_reply(500, "Internal error"));
}

TEST(mi_kv, WithoutACacheTheCommandsFailLikeAnUnknownEngine) {
  Node plain(core::test::capture_config(1), {core::test::cluster_of(1, 1, {2, 3})});
  EXPECT_EQ(plain.call("cache_store", Json::array({"local", "k", "v"})),
            error_reply(500, "Cache store command failed"));
  EXPECT_EQ(plain.call("cache_fetch", Json::array({"local", "k"})),
            error_reply(500, "Cache fetch command failed"));
  EXPECT_EQ(plain.call("cache_remove", Json::array({"local", "k"})),
            error_reply(500, "Cache remove command failed"));
  EXPECT_EQ(plain.call("cache_remove_chunk", Json::array({"*"})), error_reply(500, "Internal error"));
}

TEST(mi_kv, RunsAsAClusterBroadcastCommand) {
  KvNode n(options({"default/r"}));
  n.cache.put("default", "k1", "v1", 0);
  std::optional<Result> r;
  n.registry.run_command_async(n.ctx, "cache_remove", {"local", "k1"},
                               [&r](Result done) { r = std::move(done); });
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(**r, "OK");
  EXPECT_FALSE(n.cache.get("default", "k1"));
}

TEST(mi_kv, HelpAndWhich) {
  KvNode n;
  EXPECT_EQ(n.call("which", {{"command", "cache_store"}}),
            result(R"([["system","attr","value"],["system","attr","value","expire"]])"));
  EXPECT_EQ(n.call("which", {{"command", "cache_fetch_chunk"}}), result(R"([["glob"],["glob","collection"]])"));
}

// Every node-1 cache_* call of the captured session, in order, byte for byte
// (cachedb_local with its default collection, as in the capture).
TEST(mi_kv, CapturedRepliesAreByteExact) {
  KvNode n;
  int compared = 0;
  for (const auto& c : captured_calls("opensips-3.6.8-mi-commands.txt")) {
    if (!c.comment.starts_with("node 1") || c.request.find("\"cache_") == std::string::npos) continue;
    EXPECT_EQ(n.rpc(c.request), c.reply) << "capture line " << c.line_no << ": " << c.request;
    ++compared;
  }
  EXPECT_EQ(compared, 9);
  // opensips-3.6.8-mi.txt: the store on node 1 of scenario "three".
  KvNode three(options({"default/r"}));
  int stored = 0;
  for (const auto& c : captured_calls("opensips-3.6.8-mi.txt")) {
    if (c.request.find("\"cache_store\"") == std::string::npos) continue;
    EXPECT_EQ(three.rpc(c.request), c.reply);
    ++stored;
  }
  EXPECT_EQ(stored, 1);
  EXPECT_EQ(three.call("cache_fetch", Json::array({"local", "k1"})), result(R"({"key":"k1","value":"v1"})"));
  ASSERT_EQ(three.link.sent.size(), 1u);
  EXPECT_EQ(three.link.sent[0], *kv::encode_insert({"default", "k1", "v1", 0}))
      << "the INSERT of the captured packets";
}

}  // namespace
}  // namespace lc::mi::test
