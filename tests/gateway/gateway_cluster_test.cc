// cluster-gateway's routes that act on the cluster: capabilities, sharing
// tags, messages (with ?wait), MI through the cluster, the kv cache,
// reload, check_addr, remove, and the event stream (SSE), against real
// clusterd nodes, through both MI back ends (node 1's unix socket, and its
// mi_http with --events on the socket: the OpenSIPS path). Plus the
// server's own features: 405, bodyless writes, the ?wait cap, HTTPS,
// --config.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "gateway_process.h"
#include "node_process.h"
#include "polling.h"

namespace lc::itest {
namespace {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

Json body_of_text(const std::string& text) {
  auto j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json() : j;
}

Json body_of(const httplib::Result& res) { return res ? body_of_text(res->body) : Json(); }

void expect_status(const httplib::Result& res, int status, const std::string& what) {
  ASSERT_TRUE(res) << what << ": no response (" << httplib::to_string(res.error()) << ")";
  EXPECT_EQ(res->status, status) << what << ": " << res->body;
  if (status >= 400) {
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json") << what;
  }
}

httplib::Result post(httplib::Client& c, const std::string& path, const std::string& body) {
  return c.Post(path, body, "application/json");
}

httplib::Result put(httplib::Client& c, const std::string& path, const std::string& body) {
  return c.Put(path, body, "application/json");
}

// Node 2's application side: follows node 2's requests on its MI socket
// and answers each with "re:<msg>", except messages starting "noreply".
class Responder {
 public:
  explicit Responder(const std::string& socket) {
    std::string error;
    fd_ = connect_to(socket, &error);
    if (fd_ < 0) return;
    send_line(R"({"jsonrpc":"2.0","method":"subscribe","params":{"events":["E_CLUSTERER_REQ_RECEIVED"]},"id":0})");
    thread_ = std::thread([this] { run(); });
    // Requests sent before the node took the subscription would go unseen.
    subscribed_ok_ = wait_for([this] { return subscribed_.load(); }, 3s).has_value();
  }
  ~Responder() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0 && subscribed_ok_; }

 private:
  static int connect_to(const std::string& path, std::string* error) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      *error = std::strerror(errno);
      ::close(fd);
      return -1;
    }
    return fd;
  }
  void send_line(const std::string& line) {
    std::string l = line + "\n";
    (void)::send(fd_, l.data(), l.size(), MSG_NOSIGNAL);
  }
  void run() {
    std::string buf;
    char chunk[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buf.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
        auto j = Json::parse(buf.substr(0, nl), nullptr, false);
        buf.erase(0, nl + 1);
        if (!j.is_discarded() && j.value("id", -1) == 0) subscribed_ = true;
        if (j.is_discarded() || j.value("method", "") != "E_CLUSTERER_REQ_RECEIVED") continue;
        const auto& p = j["params"];
        const std::string msg = p.value("msg", "");
        if (msg.rfind("noreply", 0) == 0) continue;
        Json rpl{{"jsonrpc", "2.0"},
                 {"method", "cluster_send_rpl"},
                 {"params",
                  {{"cluster_id", p["cluster_id"]},
                   {"dst_id", p["src_id"]},
                   {"msg", "re:" + msg},
                   {"tag", p["tag"]}}},
                 {"id", 1}};
        send_line(rpl.dump());
      }
    }
  }
  int fd_ = -1;
  std::atomic<bool> subscribed_{false};
  bool subscribed_ok_ = false;
  std::thread thread_;
};

// An SSE client: reads GET /v1/events on a thread and keeps the text.
class EventReader {
 public:
  EventReader(uint16_t port, httplib::Headers headers, const std::string& path = "/v1/events")
      : thread_([this, port, headers, path] {
          httplib::Client c("127.0.0.1", port);
          c.set_read_timeout(30, 0);
          auto res = c.Get(path.c_str(), headers,
                           [this](const char* data, size_t len) {
                             std::lock_guard lock(mu_);
                             text_.append(data, len);
                             return !stop_;
                           });
          std::lock_guard lock(mu_);
          if (res) status_ = res->status;
          done_ = true;
        }) {}
  ~EventReader() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string text() const {
    std::lock_guard lock(mu_);
    return text_;
  }
  bool saw(const std::string& s, std::chrono::milliseconds limit) const {
    return wait_for([&] { return text().find(s) != std::string::npos; }, limit).has_value();
  }
  // Stops at the next chunk (heartbeat or event).
  void stop() { stop_ = true; }

 private:
  mutable std::mutex mu_;
  std::string text_;
  int status_ = 0;
  bool done_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The first "id: N" line after the event named `name` in an SSE text.
std::optional<uint64_t> id_of(const std::string& text, const std::string& name) {
  auto at = text.find("event: " + name);
  if (at == std::string::npos) return std::nullopt;
  auto id_at = text.rfind("id: ", at);
  if (id_at == std::string::npos) return std::nullopt;
  return std::stoull(text.substr(id_at + 4));
}

// Nodes 1 and 2 of cluster 1 with the kv cache, a sharing tag, and node 1's
// mi_http; one gateway on node 1's unix socket.
class GatewayCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_ = new Shared();
    auto flags = [](int id, uint16_t port, uint16_t peer_port) {
      auto f = static_node_flags({1, "127.0.0.1", port, {{id == 1 ? 2 : 1, peer_port}}, ""});
      f.insert(f.end(), {"--kv_cluster_id", "1", "--kv_collection", "default/r",
                         "--sharing_tag", "vip/1=backup", "--seed_fallback_interval", "1"});
      return f;
    };
    auto f1 = flags(1, s_->p1, s_->p2);
    f1.insert(f1.end(), {"--mi_http", "127.0.0.1:" + std::to_string(s_->http_port)});
    s_->n1 = std::make_unique<NodeProcess>(s_->dir.path(), 1, f1);
    s_->n2 = std::make_unique<NodeProcess>(s_->dir.path(), 2, flags(2, s_->p2, s_->p1));
    s_->gw = std::make_unique<GatewayProcess>(s_->dir.path(), "unix:" + s_->n1->socket(),
                                              std::vector<std::string>{"--heartbeat-ms", "300"});
    s_->gw_http = std::make_unique<GatewayProcess>(
        s_->dir.path(), "http://127.0.0.1:" + std::to_string(s_->http_port) + "/mi",
        std::vector<std::string>{"--events", "unix:" + s_->n1->socket()});
  }
  static void TearDownTestSuite() {
    delete s_;
    s_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(s_->gw->ready()) << s_->gw->log();
    ASSERT_TRUE(peer_up()) << "--- gateway\n"
                           << s_->gw->log() << "--- node 1\n"
                           << s_->n1->log() << "--- node 2\n"
                           << s_->n2->log();
  }
  static bool peer_up() {
    return wait_for([] {
             auto j = body_of(s_->gw->client()->Get("/v1/clusters/1/nodes/2"));
             return j.value("link_state", "") == "Up";
           },
                    10s)
        .has_value();
  }
  static std::unique_ptr<httplib::Client> gw() {
    auto c = s_->gw->client();
    c->set_read_timeout(10, 0);
    return c;
  }

  struct Shared {
    TempDir dir;
    uint16_t p1 = free_port(), p2 = free_port(), http_port = free_port();
    std::unique_ptr<NodeProcess> n1, n2;
    std::unique_ptr<GatewayProcess> gw;
    std::unique_ptr<GatewayProcess> gw_http;  // mi_http, events from the socket
  };
  static Shared* s_;
};
GatewayCluster::Shared* GatewayCluster::s_ = nullptr;

// The route tests, once per MI back end: "unix" (node 1's socket) and
// "http" (node 1's mi_http, as in front of an OpenSIPS node, with --events
// on the socket for ?wait).
class GatewayClusterRoutes : public GatewayCluster,
                             public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    GatewayCluster::SetUp();
    ASSERT_TRUE(s_->gw_http->ready()) << s_->gw_http->log();
  }
  GatewayProcess& gateway() { return GetParam() == "unix" ? *s_->gw : *s_->gw_http; }
  std::unique_ptr<httplib::Client> gw() {
    auto c = gateway().client();
    c->set_read_timeout(10, 0);
    return c;
  }
};

// The state of sharing tag `name` in a /shtags body; empty when not listed.
std::string tag_state(const Json& body, const std::string& name) {
  for (const auto& t : body.value("shtags", Json::array()))
    if (t.value("name", "") == name) return t.value("state", "");
  return "";
}

TEST_P(GatewayClusterRoutes, Capabilities) {
  auto c = gw();
  auto j = body_of(c->Get("/v1/clusters/1/capabilities"));
  ASSERT_EQ(j["cluster_id"], 1) << j.dump();
  ASSERT_EQ(j["capabilities"].size(), 1u) << j.dump();
  EXPECT_EQ(j["capabilities"][0]["name"], "cachedb-local-repl");
  EXPECT_EQ(j["capabilities"][0]["enabled"], "yes");

  const std::string path = "/v1/clusters/1/capabilities/cachedb-local-repl/status";
  expect_status(put(*c, path, R"({"status":"disabled"})"), 200, "disable");
  EXPECT_EQ(body_of(c->Get("/v1/clusters/1/capabilities"))["capabilities"][0]["enabled"], "no");
  expect_status(put(*c, path, R"({"status":"enabled"})"), 200, "enable");
  EXPECT_EQ(body_of(c->Get("/v1/clusters/1/capabilities"))["capabilities"][0]["enabled"], "yes");

  auto res = put(*c, "/v1/clusters/1/capabilities/nope/status", R"({"status":"enabled"})");
  expect_status(res, 404, "unknown capability");
  EXPECT_EQ(body_of(res)["mi_message"], "Capability not found");
  expect_status(put(*c, path, R"({"status":"off"})"), 400, "bad status");
  expect_status(c->Get("/v1/clusters/5/capabilities"), 404, "unknown cluster");
}

TEST_P(GatewayClusterRoutes, SharingTags) {
  auto c = gw();
  auto j = body_of(c->Get("/v1/clusters/1/shtags"));
  EXPECT_EQ(j["cluster_id"], 1) << j.dump();
  EXPECT_NE(tag_state(j, "vip"), "") << j.dump();
  expect_status(put(*c, "/v1/clusters/1/shtags/vip", R"({"state":"active"})"), 200, "activate");
  EXPECT_EQ(tag_state(body_of(c->Get("/v1/clusters/1/shtags")), "vip"), "active");
  // Node 2 was told, and holds the tag as backup.
  GatewayProcess gw2(s_->dir.path(), "unix:" + s_->n2->socket(), {});
  ASSERT_TRUE(gw2.ready()) << gw2.log();
  EXPECT_EQ(tag_state(body_of(gw2.client()->Get("/v1/clusters/1/shtags")), "vip"), "backup");

  expect_status(put(*c, "/v1/clusters/1/shtags/vip", R"({"state":"backup"})"), 400,
                "backup cannot be set");
  expect_status(put(*c, "/v1/clusters/8/shtags/vip", R"({"state":"active"})"), 404,
                "unknown cluster");
  expect_status(c->Get("/v1/clusters/8/shtags"), 404, "unknown cluster, list");

  // A tag the cluster does not define is a 404 and is not created (the MI
  // command would create it).
  auto res = put(*c, "/v1/clusters/1/shtags/nosuch", R"({"state":"active"})");
  expect_status(res, 404, "unknown tag");
  EXPECT_NE(body_of(res)["detail"].get<std::string>().find("'nosuch' is not defined"),
            std::string::npos)
      << res->body;
  EXPECT_EQ(tag_state(body_of(c->Get("/v1/clusters/1/shtags")), "nosuch"), "");
  // The raw MI route keeps OpenSIPS's behaviour: it creates the tag.
  expect_status(post(*c, "/v1/mi/clusterer_shtag_set_active", R"({"tag":"adhoc/1"})"), 200,
                "MI creates a tag on demand");
  EXPECT_EQ(tag_state(body_of(c->Get("/v1/clusters/1/shtags")), "adhoc"), "active");
}

TEST_P(GatewayClusterRoutes, RequestWithWaitGetsTheReply) {
  Responder responder(s_->n2->socket());
  ASSERT_TRUE(responder.ok());
  auto c = gw();
  auto res = post(*c, "/v1/clusters/1/nodes/2/messages?wait=5", R"({"msg":"ping"})");
  expect_status(res, 200, "send with wait");
  auto j = body_of(res);
  EXPECT_EQ(j["reply"]["msg"], "re:ping") << j.dump();
  EXPECT_EQ(j["reply"]["src_id"], 2);
  EXPECT_FALSE(j["tag"].get<std::string>().empty());

  // Without wait: sent, tag returned at once.
  res = post(*c, "/v1/clusters/1/nodes/2/messages", R"({"msg":"hello"})");
  expect_status(res, 200, "send");
  EXPECT_FALSE(body_of(res)["tag"].get<std::string>().empty());

  // No reply: 504 after the wait, naming the tag.
  const auto started = std::chrono::steady_clock::now();
  res = post(*c, "/v1/clusters/1/nodes/2/messages?wait=1", R"({"msg":"noreply please"})");
  expect_status(res, 504, "no reply");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_NE(body_of(res)["detail"].get<std::string>().find("no reply with tag"),
            std::string::npos);
}

TEST_P(GatewayClusterRoutes, BroadcastCollectsReplies) {
  Responder responder(s_->n2->socket());
  ASSERT_TRUE(responder.ok());
  auto c = gw();
  auto res = post(*c, "/v1/clusters/1/messages?wait=5", R"({"msg":"all","include_self":false})");
  expect_status(res, 200, "broadcast with wait");
  auto j = body_of(res);
  EXPECT_EQ(j["expected"], 1) << j.dump();
  EXPECT_EQ(j["complete"], true) << j.dump();
  ASSERT_EQ(j["replies"].size(), 1u) << j.dump();
  EXPECT_EQ(j["replies"][0]["src_id"], 2);
  EXPECT_EQ(j["replies"][0]["msg"], "re:all");

  res = post(*c, "/v1/clusters/1/messages?wait=1", R"({"msg":"noreply"})");
  expect_status(res, 200, "broadcast nobody answers");
  EXPECT_EQ(body_of(res)["complete"], false);
  expect_status(post(*c, "/v1/clusters/1/messages", R"({"msg":"x","include_self":"yes"})"), 400,
                "include_self not a boolean");
}

TEST_P(GatewayClusterRoutes, MessageErrors) {
  auto c = gw();
  expect_status(post(*c, "/v1/clusters/1/nodes/9/messages", R"({"msg":"x"})"), 404,
                "unknown node");
  expect_status(post(*c, "/v1/clusters/7/nodes/2/messages", R"({"msg":"x"})"), 404,
                "unknown cluster");
  expect_status(post(*c, "/v1/clusters/1/nodes/2/messages", R"({"text":"x"})"), 400, "no msg");
  expect_status(post(*c, "/v1/clusters/1/nodes/2/messages?wait=301", R"({"msg":"x"})"), 400,
                "wait too long");
  expect_status(post(*c, "/v1/clusters/1/nodes/2/messages?wait=soon", R"({"msg":"x"})"), 400,
                "wait not a number");
  expect_status(post(*c, "/v1/clusters/1/nodes/2/replies", R"({"msg":"x","tag":"1-2-3"})"), 200,
                "a reply");
  expect_status(post(*c, "/v1/clusters/1/nodes/2/replies", R"({"msg":"x","tag":""})"), 400,
                "empty tag");
  expect_status(post(*c, "/v1/clusters/1/nodes/2/replies", R"({"msg":"x"})"), 400, "no tag");
}

TEST_P(GatewayClusterRoutes, MiThroughTheCluster) {
  auto c = gw();
  // Stored on node 2 by an MI command sent through the cluster; the cache
  // replicates it back to node 1.
  auto res = post(*c, "/v1/clusters/1/nodes/2/mi",
                  R"({"cmd":"cache_store","params":["local","via_mi","v1"]})");
  expect_status(res, 200, "send_mi");
  EXPECT_EQ(body_of(res)["sent"], true);
  EXPECT_TRUE(wait_for([&] { return c->Get("/v1/kv/default/via_mi")->status == 200; }, 5s))
      << "the key stored on node 2 never reached node 1";

  res = post(*c, "/v1/clusters/1/mi", R"({"cmd":"cache_fetch","params":["local","via_mi"]})");
  expect_status(res, 200, "broadcast_mi");
  EXPECT_EQ(body_of(res)["local_result"]["value"], "v1") << res->body;

  res = post(*c, "/v1/clusters/1/nodes/1/mi", R"({"cmd":"which"})");
  expect_status(res, 400, "local node as destination");
  EXPECT_EQ(body_of(res)["mi_message"], "Local node specified as destination");
  expect_status(post(*c, "/v1/clusters/1/mi", R"({"cmd":"no_such_command"})"), 400,
                "unknown command runs locally and fails");
  expect_status(post(*c, "/v1/clusters/1/mi", R"({"cmd":5})"), 400, "cmd not a string");
  expect_status(post(*c, "/v1/clusters/1/mi", R"({"cmd":"which","params":[{"a":1}]})"), 400,
                "params item not a string or number");
}

TEST_P(GatewayClusterRoutes, KvStoreFetchListRemove) {
  auto c = gw();
  expect_status(put(*c, "/v1/kv/default/alpha", R"({"value":"1"})"), 200, "put");
  expect_status(put(*c, "/v1/kv/default/alps", R"({"value":"2","expire":3600})"), 200, "put ttl");
  auto j = body_of(c->Get("/v1/kv/default/alpha"));
  EXPECT_EQ(j["value"], "1") << j.dump();
  j = body_of(c->Get("/v1/kv/default?glob=alp*"));
  ASSERT_EQ(j["keys"].size(), 2u) << j.dump();
  EXPECT_TRUE(body_of(c->Get("/v1/kv/default?glob=zzz*"))["keys"].empty());
  j = body_of(c->Get("/v1/kv/default?glob="));
  EXPECT_GE(j["keys"].size(), 2u) << "an empty glob is every key: " << j.dump();
  expect_status(c->Delete("/v1/kv/default/alpha"), 200, "delete");
  expect_status(c->Get("/v1/kv/default/alpha"), 404, "deleted key");
  expect_status(c->Delete("/v1/kv/default/never-there"), 200, "delete an absent key");

  expect_status(c->Get("/v1/kv/nocoll/alpha"), 404, "unknown collection, get");
  expect_status(put(*c, "/v1/kv/nocoll/alpha", R"({"value":"1"})"), 404, "unknown collection, put");
  expect_status(c->Get("/v1/kv/nocoll"), 404, "unknown collection, list");
  expect_status(put(*c, "/v1/kv/default/alpha", R"({"value":""})"), 400, "empty value");
  expect_status(put(*c, "/v1/kv/default/alpha", R"({"value":"1","expire":-5})"), 400,
                "negative expire");
  expect_status(put(*c, "/v1/kv/default/alpha", R"({"value":7})"), 400, "value not a string");
}

TEST_P(GatewayClusterRoutes, CheckAddrAndReload) {
  auto c = gw();
  auto j = body_of(c->Get("/v1/clusters/1/check_addr?ip=127.0.0.1&type=bin"));
  EXPECT_EQ(j["match"], true) << j.dump();
  j = body_of(c->Get("/v1/clusters/1/check_addr?ip=10.9.9.9"));
  EXPECT_EQ(j["match"], false) << j.dump();
  EXPECT_EQ(j["type"], "sip");
  expect_status(c->Get("/v1/clusters/1/check_addr?ip=1.2.3.4&type=rtp"), 400, "bad type");
  expect_status(c->Get("/v1/clusters/1/check_addr"), 400, "no ip");
  expect_status(c->Get("/v1/clusters/4/check_addr?ip=1.2.3.4"), 404, "unknown cluster");
  // These nodes are provisioned in their config: nothing to reload.
  auto res = post(*c, "/v1/reload", "");
  expect_status(res, 409, "reload in db_mode 0");
  EXPECT_EQ(body_of(res)["mi_message"], "Non-DB mode");
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayClusterRoutes, ::testing::Values("unix", "http"),
                         [](const auto& info) { return info.param; });

// One HTTP/1.1 exchange written by hand (the tests' httplib client always
// sends a Content-Length): the answer's status and body, read for at most
// `limit`; status 0 when none came.
struct RawAnswer {
  int status = 0;
  std::string body;
  std::chrono::milliseconds took{0};
};

RawAnswer raw_exchange(uint16_t port, const std::string& request,
                       std::chrono::milliseconds limit = 3s) {
  RawAnswer out;
  const auto started = std::chrono::steady_clock::now();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{static_cast<time_t>(limit.count() / 1000),
             static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::string text;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char chunk[4096];
    // Until the headers and Content-Length bytes of body are in.
    for (;;) {
      const auto end = text.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto cl = text.find("Content-Length: ");
        const std::size_t want = cl == std::string::npos ? 0 : std::stoul(text.substr(cl + 16));
        if (text.size() >= end + 4 + want) {
          out.body = text.substr(end + 4, want);
          break;
        }
      }
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      text.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (text.rfind("HTTP/1.1 ", 0) == 0) out.status = std::stoi(text.substr(9, 3));
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return out;
}

// `curl -X POST` sends no Content-Length: httplib waited 5 s for a body and
// answered 400. Such a write is answered at once, as one with an empty body.
TEST_F(GatewayCluster, WritesWithoutABodyAreAnsweredAtOnce) {
  const uint16_t port = s_->gw->port();
  auto which = raw_exchange(port, "POST /v1/mi/which HTTP/1.1\r\nHost: gw\r\n\r\n");
  EXPECT_EQ(which.status, 200) << which.body;
  EXPECT_LT(which.took, 3000ms);  // not the 5 s read timeout
  EXPECT_TRUE(Json::parse(which.body, nullptr, false).is_array()) << which.body;
  // Reload needs no body: it reaches the node (db_mode 0 refuses it).
  auto reload = raw_exchange(port, "POST /v1/reload HTTP/1.1\r\nHost: gw\r\n\r\n");
  EXPECT_EQ(reload.status, 409) << reload.body;
  EXPECT_EQ(body_of_text(reload.body)["mi_message"], "Non-DB mode") << reload.body;
  EXPECT_LT(reload.took, 3000ms);
  // A route that needs a body says so.
  auto status = raw_exchange(port, "PUT /v1/clusters/1/nodes/2/status HTTP/1.1\r\nHost: gw\r\n\r\n");
  EXPECT_EQ(status.status, 400) << status.body;
  EXPECT_EQ(body_of_text(status.body)["detail"], "this route needs a JSON body");
  EXPECT_LT(status.took, 3000ms);
  // No route, and a route with other methods.
  auto none = raw_exchange(port, "POST /v1/nothing HTTP/1.1\r\nHost: gw\r\n\r\n");
  EXPECT_EQ(none.status, 404) << none.body;
  auto other = raw_exchange(port, "PUT /v1/statistics HTTP/1.1\r\nHost: gw\r\n\r\n");
  EXPECT_EQ(other.status, 405) << other.body;
  EXPECT_LT(other.took, 3000ms);
}

// At most --max-waits requests wait for replies; the next is a 503 with
// Retry-After at once, and the probes and other routes keep answering.
TEST_F(GatewayCluster, WaitingRequestsAreCapped) {
  GatewayProcess capped(s_->dir.path(), "unix:" + s_->n1->socket(), {"--max-waits", "2"});
  ASSERT_TRUE(capped.ready()) << capped.log();
  // Node 2's requests, to know when both waits were sent (each took its
  // slot before sending).
  GatewayProcess on_n2(s_->dir.path(), "unix:" + s_->n2->socket(), {"--heartbeat-ms", "200"});
  ASSERT_TRUE(on_n2.ready()) << on_n2.log();
  EventReader n2_requests(on_n2.port(), {}, "/v1/events?events=E_CLUSTERER_REQ_RECEIVED");
  ASSERT_TRUE(n2_requests.saw(": connected", 3s));
  std::atomic<int> timed_out{0};
  std::vector<std::jthread> waiting;  // joined however the test ends
  for (int i = 0; i < 2; ++i)
    waiting.emplace_back([&capped, &timed_out, i] {
      auto c = capped.client();
      c->set_read_timeout(15, 0);
      // Long enough to outlast the checks below on a loaded machine.
      auto res = post(*c, "/v1/clusters/1/nodes/2/messages?wait=8",
                      R"({"msg":"noreply hold )" + std::to_string(i) + "\"}");
      if (res && res->status == 504) ++timed_out;
    });
  ASSERT_TRUE(n2_requests.saw("noreply hold 0", 3s) && n2_requests.saw("noreply hold 1", 3s))
      << n2_requests.text();

  const auto started = std::chrono::steady_clock::now();
  auto refused = post(*capped.client(), "/v1/clusters/1/nodes/2/messages?wait=3",
                      R"({"msg":"noreply third"})");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2000ms) << "refused at once, not after a wait";
  expect_status(refused, 503, "a third wait");
  ASSERT_TRUE(refused && refused->status == 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_EQ(refused->get_header_value("Connection"), "close") << "frees the connection's worker";
  EXPECT_NE(body_of(refused).value("detail", "").find("--max-waits"), std::string::npos);
  EXPECT_FALSE(n2_requests.saw("noreply third", 200ms)) << "a refused request was sent";
  const auto probe_started = std::chrono::steady_clock::now();
  auto live = capped.client()->Get("/livez");
  EXPECT_LT(std::chrono::steady_clock::now() - probe_started, 2000ms) << "not after the waits";
  expect_status(live, 200, "livez while the waits are held");
  expect_status(post(*capped.client(), "/v1/clusters/1/nodes/2/messages", R"({"msg":"noreply"})"),
                200, "a send without wait is not capped");
  for (auto& t : waiting) t.join();
  EXPECT_EQ(timed_out, 2);
  // The slots were given back.
  auto again = post(*capped.client(), "/v1/clusters/1/nodes/2/messages?wait=1",
                    R"({"msg":"noreply again"})");
  expect_status(again, 504, "a wait after the others ended");
  if (again) {
    EXPECT_EQ(again->get_header_value("Connection"), "close");
  }
}

TEST_F(GatewayCluster, EventsStreamResumesAndReportsGaps) {
  EventReader live(s_->gw->port(), {});
  ASSERT_TRUE(live.saw(": connected", 3s)) << live.text();
  ASSERT_TRUE(live.saw(": heartbeat", 3s)) << "no heartbeat with --heartbeat-ms 300";
  auto c = gw();
  expect_status(put(*c, "/v1/clusters/1/nodes/2/status", R"({"status":"disabled"})"), 200, "off");
  ASSERT_TRUE(live.saw("event: E_CLUSTERER_NODE_STATE_CHANGED", 5s)) << live.text();
  expect_status(put(*c, "/v1/clusters/1/nodes/2/status", R"({"status":"enabled"})"), 200, "on");
  ASSERT_TRUE(live.saw(R"("new_state":1)", 10s)) << live.text();
  const auto first = id_of(live.text(), "E_CLUSTERER_NODE_STATE_CHANGED");
  ASSERT_TRUE(first);
  EXPECT_NE(live.text().find(R"(data: {"cluster_id":1,"node_id":2,"new_state":0})"),
            std::string::npos)
      << live.text();

  // Resuming just before the first event replays it, and only what followed.
  EventReader resumed(s_->gw->port(), {{"Last-Event-ID", std::to_string(*first - 1)}});
  ASSERT_TRUE(resumed.saw("id: " + std::to_string(*first) + "\n", 3s)) << resumed.text();
  EXPECT_EQ(resumed.text().find("event: gap"), std::string::npos) << resumed.text();
  // The query form, filtered to one event name.
  EventReader query(s_->gw->port(), {},
                    "/v1/events?events=E_CLUSTERER_RPL_RECEIVED&last_event_id=" +
                        std::to_string(*first - 1));
  ASSERT_TRUE(query.saw(": heartbeat", 3s));
  EXPECT_EQ(query.text().find("E_CLUSTERER_NODE_STATE_CHANGED"), std::string::npos);
  expect_status(gw()->Get("/v1/events", {{"Last-Event-ID", "abc"}}), 400, "bad Last-Event-ID");
  ASSERT_TRUE(peer_up());
}

TEST_F(GatewayCluster, SmallEventBufferReportsAGap) {
  GatewayProcess small(s_->dir.path(), "unix:" + s_->n1->socket(),
                       {"--event-buffer", "1", "--heartbeat-ms", "300"});
  ASSERT_TRUE(small.ready()) << small.log();
  EventReader live(small.port(), {});
  ASSERT_TRUE(live.saw(": connected", 3s));
  auto c = small.client();
  put(*c, "/v1/clusters/1/nodes/2/status", R"({"status":"disabled"})");
  ASSERT_TRUE(live.saw(R"("new_state":0)", 5s)) << live.text();
  put(*c, "/v1/clusters/1/nodes/2/status", R"({"status":"enabled"})");
  ASSERT_TRUE(live.saw(R"("new_state":1)", 10s)) << live.text();
  const auto first = id_of(live.text(), "E_CLUSTERER_NODE_STATE_CHANGED");
  ASSERT_TRUE(first);
  // Only the last event is kept: resuming before the first one is a gap.
  EventReader resumed(small.port(), {{"Last-Event-ID", std::to_string(*first - 1)}});
  ASSERT_TRUE(resumed.saw("event: gap", 3s)) << resumed.text();
  ASSERT_TRUE(peer_up());
}

TEST_F(GatewayCluster, SigtermEndsOpenStreams) {
  GatewayProcess gw2(s_->dir.path(), "unix:" + s_->n1->socket(), {});
  ASSERT_TRUE(gw2.ready()) << gw2.log();
  EventReader a(gw2.port(), {}), b(gw2.port(), {});
  ASSERT_TRUE(a.saw(": connected", 3s) && b.saw(": connected", 3s));
  EXPECT_EQ(gw2.proc().terminate(3s), 0) << gw2.log();
}

TEST_F(GatewayCluster, EventStreamsAreBounded) {
  GatewayProcess gw2(s_->dir.path(), "unix:" + s_->n1->socket(), {"--max-event-streams", "1", "--heartbeat-ms", "200"});
  ASSERT_TRUE(gw2.ready()) << gw2.log();
  EventReader a(gw2.port(), {});
  ASSERT_TRUE(a.saw(": connected", 3s));
  expect_status(gw2.client()->Get("/v1/events"), 503, "second stream over the limit");
  EXPECT_EQ(gw2.client()->Get("/v1/clusters")->status, 200) << "other routes keep working";
}

TEST_F(GatewayCluster, EventsNeedAnEventSource) {
  const std::string http_node = "http://127.0.0.1:" + std::to_string(s_->http_port) + "/mi";
  GatewayProcess http_only(s_->dir.path(), http_node, {});
  ASSERT_TRUE(http_only.ready()) << http_only.log();
  auto c = http_only.client();
  expect_status(c->Get("/v1/events"), 503, "no event source");
  expect_status(post(*c, "/v1/clusters/1/nodes/2/messages?wait=1", R"({"msg":"x"})"), 503,
                "wait without events");
  EXPECT_EQ(c->Get("/v1/clusters")->status, 200);

  GatewayProcess with_events(s_->dir.path(), http_node,
                             {"--events", "unix:" + s_->n1->socket(), "--heartbeat-ms", "200"});
  ASSERT_TRUE(with_events.ready()) << with_events.log();
  EventReader live(with_events.port(), {});
  EXPECT_TRUE(live.saw(": connected", 3s)) << live.text();
}

TEST_F(GatewayCluster, WrongMethodIs405WithAllow) {
  auto res = gw()->Delete("/v1/statistics");
  expect_status(res, 405, "DELETE on a GET route");
  EXPECT_EQ(res->get_header_value("Allow"), "GET");
  res = gw()->Post("/v1/kv/default/k", "{}", "application/json");
  expect_status(res, 405, "POST on the kv key route");
  EXPECT_EQ(res->get_header_value("Allow"), "GET, PUT, DELETE");
}

// A GET with a body is refused in a few bytes rather than answered while
// its unread body is taken for the next request (httplib 0.11).
TEST_F(GatewayCluster, GetWithABodyIsABadRequest) {
  httplib::Request req;
  req.method = "GET";
  req.path = "/metrics";
  req.body = std::string(100000, '[');
  req.set_header("Content-Type", "application/json");
  auto res = gw()->send(req);
  expect_status(res, 400, "GET with a body");
  EXPECT_EQ(body_of(res)["detail"], "a GET request takes no body") << res->body;
  expect_status(gw()->Get("/metrics"), 200, "GET without one");
}

// A body nested deeper than any route needs is refused before anything
// walks it recursively (a 30,000-deep one overflowed a worker's stack in the
// sanitizer build).
TEST_F(GatewayCluster, DeeplyNestedBodyIsABadRequest) {
  auto c = gw();
  auto res = post(*c, "/v1/mi/which", std::string(65, '[') + std::string(65, ']'));
  expect_status(res, 400, "65 levels");
  EXPECT_EQ(body_of(res)["detail"], "the body is nested deeper than 64 levels") << res->body;
  expect_status(post(*c, "/v1/mi/which", std::string(64, '[') + std::string(64, ']')), 400,
                "64 levels reach the node, which refuses the parameter");
  EXPECT_NE(body_of(post(*c, "/v1/mi/which", "[[1]]"))["detail"],
            "the body is nested deeper than 64 levels");
  EXPECT_TRUE(s_->gw->proc().running());
}

// POST /v1/mi/{command}: every command the node lists (but the streaming
// subscribe) is a route, answering the MI result unchanged.
TEST_F(GatewayCluster, EveryMiCommandIsAPostRoute) {
  auto c = gw();
  auto doc = body_of(c->Get("/openapi.json"));
  auto which = post(*c, "/v1/mi/which", "");
  expect_status(which, 200, "which");
  const Json commands = body_of(which);
  ASSERT_GT(commands.size(), 25u) << commands.dump();
  for (const auto& name : commands) {
    const std::string path = "/v1/mi/" + name.get<std::string>();
    if (name == "subscribe") {
      EXPECT_FALSE(doc["paths"].contains(path)) << "a streaming command";
      continue;
    }
    EXPECT_TRUE(doc["paths"][path].contains("post")) << path;
  }
  const auto& status_body =
      doc["paths"]["/v1/mi/clusterer_set_status"]["post"]["requestBody"]["content"]
         ["application/json"]["schema"]["oneOf"][0];
  EXPECT_EQ(status_body["required"], Json({"cluster_id", "status"})) << status_body.dump();
  EXPECT_EQ(status_body["properties"]["status"]["enum"], Json({0, 1})) << status_body.dump();

  // The same JSON as the node's own MI (node 1's mi_http).
  httplib::Client mi("127.0.0.1", s_->http_port);
  auto raw = mi.Post("/mi", R"({"jsonrpc":"2.0","method":"clusterer_list","id":1})",
                     "application/json");
  ASSERT_TRUE(raw);
  EXPECT_EQ(body_of(post(*c, "/v1/mi/clusterer_list", "")), Json::parse(raw->body)["result"]);

  // Named and positional parameters.
  expect_status(post(*c, "/v1/mi/cache_store", R"({"system":"local","attr":"mi_route","value":"v7"})"),
                200, "named");
  EXPECT_EQ(body_of(post(*c, "/v1/mi/cache_fetch", R"(["local","mi_route"])")),
            Json({{"key", "mi_route"}, {"value", "v7"}}));
  auto res = post(*c, "/v1/mi/cache_fetch", R"({"system":"local","attr":"no_such_key"})");
  expect_status(res, 400, "MI error of the node, its code as the status");
  EXPECT_EQ(body_of(res)["mi_message"], "Value not found") << res->body;
  res = post(*c, "/v1/mi/cache_fetch", R"({"system":"local","bogus":1})");
  expect_status(res, 400, "unknown parameter");
  EXPECT_EQ(body_of(res)["mi_code"], -32602) << res->body;
  expect_status(post(*c, "/v1/mi/cache_fetch", "5"), 400, "a body that is no object or array");
  expect_status(c->Get("/v1/mi/which"), 405, "GET on an MI route");
}

TEST_F(GatewayCluster, OpenapiListsEveryRoute) {
  auto doc = body_of(gw()->Get("/openapi.json"));
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"/v1/clusters/{cid}/nodes/{nid}", "delete"},
      {"/v1/clusters/{cid}/capabilities", "get"},
      {"/v1/clusters/{cid}/capabilities/{name}/status", "put"},
      {"/v1/clusters/{cid}/shtags", "get"},
      {"/v1/clusters/{cid}/shtags/{name}", "put"},
      {"/v1/clusters/{cid}/nodes/{nid}/messages", "post"},
      {"/v1/clusters/{cid}/messages", "post"},
      {"/v1/clusters/{cid}/nodes/{nid}/replies", "post"},
      {"/v1/clusters/{cid}/nodes/{nid}/mi", "post"},
      {"/v1/clusters/{cid}/mi", "post"},
      {"/v1/kv/{collection}/{key}", "get"},
      {"/v1/kv/{collection}/{key}", "put"},
      {"/v1/kv/{collection}/{key}", "delete"},
      {"/v1/kv/{collection}", "get"},
      {"/v1/reload", "post"},
      {"/v1/clusters/{cid}/check_addr", "get"},
      {"/v1/events", "get"}};
  for (const auto& [path, method] : routes)
    EXPECT_TRUE(doc["paths"][path].contains(method)) << method << " " << path;
  EXPECT_TRUE(doc["paths"]["/v1/events"]["get"]["responses"]["200"]["content"].contains(
      "text/event-stream"));

  // Every JSON GET answers with the members its response schema requires.
  auto c = gw();
  put(*c, "/v1/kv/default/schema_key", R"({"value":"v"})");
  const std::map<std::string, std::string> values = {{"{cid}", "1"},
                                                     {"{nid}", "2"},
                                                     {"{identifier}", "node_states"},
                                                     {"{collection}", "default"},
                                                     {"{key}", "schema_key"}};
  int checked = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    if (!ops.contains("get")) continue;
    const auto& ok = ops["get"]["responses"]["200"]["content"];
    if (!ok.contains("application/json")) continue;
    Json schema = ok["application/json"]["schema"];
    if (schema.contains("$ref"))
      schema = doc["components"]["schemas"][schema["$ref"].get<std::string>().substr(21)];
    std::string target = path;
    for (const auto& [from, to] : values)
      if (auto at = target.find(from); at != std::string::npos) target.replace(at, from.size(), to);
    if (path == "/v1/clusters/{cid}/check_addr") target += "?ip=127.0.0.1";
    auto body = body_of(c->Get(target));
    for (const auto& member : schema.value("required", Json::array())) {
      EXPECT_TRUE(body.contains(member.get<std::string>()))
          << path << " lacks " << member << ": " << body.dump();
    }
    ++checked;
  }
  EXPECT_GE(checked, 14);
}

// Every route of the OpenAPI document with bad path values, bad query
// values and bad bodies: each answer is a problem (4xx, or the node's
// 502/503/504), never a 500 or a dropped connection, and the gateway lives.
TEST_F(GatewayCluster, GarbageOnEveryRouteGetsAClearError) {
  auto c = gw();
  auto doc = body_of(c->Get("/openapi.json"));
  ASSERT_TRUE(doc["paths"].is_object());
  const std::vector<std::string> bad_values = {"0", "-1", "abc", "99999999999999999999",
                                               std::string(300, 'x'), "%00", "%2F.."};
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  const std::vector<std::string> bodies = {"", "null", "[]", "{}", "{\"msg\":null}", "\x01\xff",
                                           "{\"status\":[1]}", deep};
  int requests = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    if (path == "/v1/events") continue;  // a stream; its errors are tested above
    for (const auto& [method, op] : ops.items()) {
      for (const auto& bad : bad_values) {
        std::string target = path;
        for (const auto& p : op.value("parameters", Json::array()))
          if (p["in"] == "path")
            target.replace(target.find("{" + p["name"].get<std::string>() + "}"),
                           p["name"].get<std::string>().size() + 2, bad);
        target += "?since=" + bad + "&wait=" + bad + "&glob=" + bad;
        for (const auto& body : bodies) {
          httplib::Request req;
          req.method = method == "get"      ? "GET"
                       : method == "put"    ? "PUT"
                       : method == "post"   ? "POST"
                                            : "DELETE";
          req.path = target;
          req.body = body;
          req.set_header("Content-Type", "application/json");
          auto res = c->send(req);
          ++requests;
          ASSERT_TRUE(res) << req.method << " " << target << " body " << body.substr(0, 40)
                           << ": no answer (" << httplib::to_string(res.error()) << ")";
          EXPECT_TRUE(res->status == 200 || (res->status >= 400 && res->status < 500) ||
                      res->status == 502 || res->status == 503 || res->status == 504)
              << req.method << " " << target << ": " << res->status << " " << res->body;
          if (res->status >= 400) {
            EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json")
                << req.method << " " << target;
          }
        }
      }
    }
  }
  EXPECT_GT(requests, 500);
  EXPECT_EQ(c->Get("/livez")->status, 200);
  EXPECT_TRUE(s_->gw->proc().running()) << s_->gw->log();
}

// Its own two nodes: node 2, once removed, disables itself in the cluster.
TEST(GatewayRemove, DeleteNodeRemovesIt) {
  TempDir dir;
  uint16_t p1 = free_port(), p2 = free_port();
  NodeProcess n1(dir.path(), 1, static_node_flags({1, "127.0.0.1", p1, {{2, p2}}, ""}));
  NodeProcess n2(dir.path(), 2, static_node_flags({1, "127.0.0.1", p2, {{1, p1}}, ""}));
  GatewayProcess gw(dir.path(), "unix:" + n1.socket(), {});
  ASSERT_TRUE(gw.ready()) << gw.log();
  ASSERT_TRUE(wait_for([&] { return n1.field(2, "link_state") == "Up"; }, 10s));
  auto c = gw.client();
  expect_status(c->Delete("/v1/clusters/1/nodes/9"), 404, "unknown node");
  expect_status(c->Delete("/v1/clusters/3/nodes/2"), 404, "unknown cluster");
  auto res = c->Delete("/v1/clusters/1/nodes/2");
  expect_status(res, 200, "remove");
  EXPECT_EQ(body_of(res)["removed"], true);
  EXPECT_EQ(c->Get("/v1/clusters/1/nodes/2")->status, 404);
}

// ---- HTTPS and the config file

TEST(GatewayServer, ServesHttpsWithTheGivenCertificate) {
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  auto r = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert},
               30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  GatewayProcess gw(dir.path(), "unix:" + dir.path() + "/none.sock",
                    {"--tls-cert", cert, "--tls-key", key}, /*tls=*/true);
  ASSERT_TRUE(gw.ready()) << gw.log();
  httplib::SSLClient c("127.0.0.1", gw.port());
  c.set_ca_cert_path(cert.c_str());
  c.enable_server_certificate_verification(true);
  auto res = c.Get("/livez");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  // Plain HTTP to the HTTPS port gets nothing useful.
  httplib::Client plain("127.0.0.1", gw.port());
  plain.set_read_timeout(2, 0);
  auto bad = plain.Get("/livez");
  EXPECT_TRUE(!bad || bad->status != 200);

  // A key that is not a key stops the start.
  const std::string junk = write_file(dir.path() + "/junk.pem", "not a key\n", 0600);
  r = run(gateway_argv("unix:/x.sock", free_port(), {"--tls-cert", cert, "--tls-key", junk}), 5s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("--tls-key"), std::string::npos) << r.out << r.err;
  r = run(gateway_argv("unix:/x.sock", free_port(), {"--tls-cert", cert}), 5s);
  EXPECT_EQ(r.exit_code, 2) << "a certificate without its key";
}

TEST(GatewayServer, JsonLogLines) {
  TempDir dir;
  GatewayProcess gw(dir.path(), "unix:" + dir.path() + "/none.sock", {"--log-format", "json"});
  ASSERT_TRUE(gw.ready()) << gw.log();
  gw.client()->Get("/v1/clusters");
  EXPECT_EQ(gw.proc().terminate(3s), 0);
  std::istringstream log(gw.log());
  bool request_logged = false;
  for (std::string line; std::getline(log, line);) {
    auto j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON log line: " << line;
    EXPECT_EQ(j["logger"], "cluster-gateway");
    request_logged |= j["msg"].get<std::string>().rfind("GET /v1/clusters 502", 0) == 0;
  }
  EXPECT_TRUE(request_logged) << gw.log();
  auto r = run(gateway_argv("unix:/x.sock", free_port(), {"--log-format", "yaml"}), 5s);
  EXPECT_EQ(r.exit_code, 2);
}

TEST(GatewayServer, ReadsItsConfigFile) {
  TempDir dir;
  const uint16_t port = free_port();
  const std::string conf =
      write_file(dir.path() + "/gw.toml",
                 "# cluster-gateway\nnode = \"unix:" + dir.path() +
                     "/none.sock\"\nlisten = \"127.0.0.1:" + std::to_string(port) +
                     "\"\nmi-timeout-ms = 700\n",
                 0600);
  Process p({LC_GATEWAY_BIN, "--config", conf}, dir.path() + "/conf.log");
  httplib::Client c("127.0.0.1", port);
  EXPECT_TRUE(wait_for([&] {
                auto res = c.Get("/livez");
                return res && res->status == 200;
              },
                       3s))
      << "the gateway did not listen where its config file says";
  EXPECT_EQ(p.terminate(3s), 0);

  const std::string bad = write_file(dir.path() + "/bad.toml",
                                     "node = \"unix:/x.sock\"\nlisen = \"127.0.0.1:1\"\n", 0600);
  auto r = run({LC_GATEWAY_BIN, "--config", bad}, 5s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("lisen"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace lc::itest
