#include "mi_test_util.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "libcluster/mi/tag.h"

namespace lc::mi::test {

std::string FakeContext::new_tag(int32_t cluster_id) {
  return make_tag(cluster_id, h_.engine().my_id(), [this] { return next_random++; });
}

void FakeContext::reload(ReloadDone done) {
  ++reloads;
  if (defer_reload) {
    pending_reload = std::move(done);
    return;
  }
  done(reload_error);
}

Node::Node(core::Config cfg, std::vector<core::ClusterSpec> clusters, int64_t unix_base)
    : h(std::move(cfg), std::move(clusters)) {
  h.set_unix_base(unix_base);
}

Reply Node::reply(std::string_view body) { return registry.handle(ctx, body); }

std::string Node::rpc(std::string_view body) {
  Reply r = reply(body);
  return r.response ? to_text(*r.response) : "";
}

std::string Node::call(std::string_view method, const Json& params) {
  Json req;
  req["jsonrpc"] = "2.0";
  req["method"] = std::string(method);
  if (!params.is_null()) req["params"] = params;
  req["id"] = 1;
  return rpc(to_text(req));
}

wire::Bytes pong(int32_t cluster, int32_t src) {
  return wire::encode(wire::InternalMessage{cluster, src, wire::Pong{{}}, wire::kBinVersion});
}

wire::Bytes ls_update(int32_t cluster, int32_t src, int32_t seq, int32_t neigh, bool up) {
  const int32_t state = up ? wire::kWireLinkUp : wire::kWireLinkDown;
  return wire::encode(wire::InternalMessage{
      cluster, src, wire::LsUpdate{seq, 1, neigh, state, {src}}, wire::kBinVersion});
}

std::unique_ptr<Node> node1_of_capture() {
  core::ClusterSpec spec = core::test::cluster_of(1, 1, {2, 3});
  spec.nodes[0].url = "bin:127.0.0.1:54123";
  spec.nodes[1].url = "bin:127.0.0.1:52773";
  auto n = std::make_unique<Node>(core::test::capture_config(1), std::vector{spec}, 1795619215);
  n->h.tick(0);
  n->h.packet(10, pong(1, 2));
  n->h.packet(11, pong(1, 3));
  n->h.packet(20, ls_update(1, 2, 0, 3, true));
  n->h.packet(21, ls_update(1, 3, 0, 2, true));
  n->ctx.now_ms = 100;
  return n;
}

namespace {

bool pinged(const core::test::Output& o, int32_t node) {
  for (const auto& p : o.to(node))
    if (const auto* m = std::get_if<wire::InternalMessage>(&p))
      if (std::holds_alternative<wire::Ping>(m->body)) return true;
  return false;
}

}  // namespace

void keep_only_node2_alive(Node& n, int64_t from_ms, int64_t until_ms) {
  for (int64_t t = from_ms; t <= until_ms; t += 100)
    if (pinged(n.h.tick(t), 2)) n.h.packet(t + 1, pong(1, 2));
}

std::vector<CapturedCall> captured_calls(const std::string& file_name) {
  const std::string path = (std::filesystem::path(LC_TEST_DATA_DIR) / "captures" / file_name).string();
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<CapturedCall> calls;
  std::string line, comment;
  for (int no = 1; std::getline(in, line); ++no) {
    if (line.starts_with("# ")) comment = line.substr(2);
    if (line.starts_with("> ")) calls.push_back(CapturedCall{no, comment, line.substr(2), ""});
    if (line.starts_with("< ")) {
      if (calls.empty() || !calls.back().reply.empty())
        throw std::runtime_error(path + ":" + std::to_string(no) + ": reply without request");
      calls.back().reply = line.substr(2);
    }
  }
  return calls;
}

std::string error_reply(int code, std::string_view message, Json id) {
  Json j;
  j["jsonrpc"] = "2.0";
  j["error"]["code"] = code;
  j["error"]["message"] = std::string(message);
  j["id"] = std::move(id);
  return to_text(j);
}

}  // namespace lc::mi::test
