#include "messages.h"

#include "event_hub.h"
#include "schemas.h"

namespace lc::gateway {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kReplyEvent = "E_CLUSTERER_RPL_RECEIVED";

Param wait_param() {
  Param p{"wait", Param::In::kQuery, Param::Type::kInteger, false,
          "seconds to wait for the reply (0-" + std::to_string(kMaxWaitSeconds) +
              "); without it the route returns once the message is sent. At most "
              "--max-waits requests wait at once (503 with Retry-After beyond)"};
  p.minimum = 0;
  p.maximum = kMaxWaitSeconds;
  return p;
}

// A ?wait slot held for one request (Slots), given back when it ends.
class HeldWait {
 public:
  // Takes a slot only for a request that waits (`seconds` > 0).
  HeldWait(Slots& slots, long long seconds) : slots_(slots), held_(seconds > 0 && slots.take()) {}
  ~HeldWait() {
    if (held_) slots_.give_back();
  }
  HeldWait(const HeldWait&) = delete;
  HeldWait& operator=(const HeldWait&) = delete;
  bool held() const { return held_; }

 private:
  Slots& slots_;
  bool held_;
};

// Taken before anything is sent, so a refused request sent nothing.
Problem all_waits_taken(const Slots& slots) {
  Problem p{503,
            "already " + std::to_string(slots.max()) +
                " requests waiting for replies (--max-waits); retry, or send without ?wait",
            {}, {}, {}};
  p.retry_after_seconds = 1;
  return p;
}

// The body's `name` member as a string; a problem names what is wrong.
std::variant<std::string, Problem> body_string(const Json& body, const std::string& name,
                                               bool allow_empty) {
  if (!body.is_object() || !body.contains(name))
    return bad_request("the body must be a JSON object with \"" + name + "\"");
  if (!body[name].is_string()) return bad_request("\"" + name + "\" must be a string");
  auto s = body[name].get<std::string>();
  if (s.empty() && !allow_empty) return bad_request("\"" + name + "\" must not be empty");
  return s;
}

// 0 when absent; a problem when out of range or without an event source.
std::variant<long long, Problem> wait_seconds(const RouteInput& in, const Services& s) {
  if (!in.query.count("wait")) return 0LL;
  const long long w = in.integer("wait");
  if (w < 0 || w > kMaxWaitSeconds)
    return bad_request("wait must be 0 to " + std::to_string(kMaxWaitSeconds) + " seconds, not " +
                       std::to_string(w));
  if (w > 0 && !s.events) return no_event_source();
  return w;
}

Reply call(Services& s, const std::string& command, const Json& params) {
  MiOutcome o = s.node.call(command, params, s.mi_timeout);
  if (o.kind == MiOutcome::Kind::kResult) return o.result;
  if (auto p = unknown_target_is_404(o, command)) return *p;
  return problem_of(o, command);
}

// The replies to `tag` that the hub sees after `after`, until `expected`
// of them came (0: the first one ends the wait) or `deadline` passes.
Json collect_replies(EventHub& hub, uint64_t after, const std::string& tag, long long cluster_id,
                     std::size_t expected, Clock::time_point deadline, bool* complete) {
  Json replies = Json::array();
  const std::size_t wanted = expected == 0 ? 1 : expected;
  *complete = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return replies;
    EventHub::Batch b = hub.wait_after(after, left);
    if (b.stopped) return replies;
    after = b.newest;
    for (const auto& e : b.events) {
      if (e.name != kReplyEvent || e.params.value("tag", "") != tag ||
          e.params.value("cluster_id", 0LL) != cluster_id)
        continue;
      replies.push_back(Json{{"src_id", e.params.value("src_id", 0LL)},
                             {"msg", e.params.value("msg", "")}});
      if (replies.size() >= wanted) {
        *complete = true;
        return replies;
      }
    }
  }
}

Reply send_request(const RouteInput& in, Services& s) {
  auto msg = body_string(in.body, "msg", true);
  if (auto* p = std::get_if<Problem>(&msg)) return *p;
  auto wait = wait_seconds(in, s);
  if (auto* p = std::get_if<Problem>(&wait)) return *p;
  const long long seconds = std::get<long long>(wait);
  HeldWait slot(s.waits, seconds);
  if (seconds > 0 && !slot.held()) return all_waits_taken(s.waits);
  // Taken before sending, so a reply that beats us to the wait is kept.
  const uint64_t before = s.events ? s.events->last_seq() : 0;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  Reply sent = call(s, "cluster_send_req",
                    Json{{"cluster_id", in.integer("cid")},
                         {"dst_id", in.integer("nid")},
                         {"msg", std::get<std::string>(msg)}});
  if (auto* p = std::get_if<Problem>(&sent)) return *p;
  const std::string tag = std::get<Json>(sent).value("tag", "");
  Json out{{"cluster_id", in.integer("cid")}, {"node_id", in.integer("nid")}, {"tag", tag}};
  if (seconds == 0) return out;
  bool complete = false;
  Json replies = collect_replies(*s.events, before, tag, in.integer("cid"), 0, deadline, &complete);
  if (!complete)
    return Problem{504,
                   "no reply with tag " + tag + " from node " + std::to_string(in.integer("nid")) +
                       " within " + std::to_string(seconds) + " s",
                   {}, {}, {}};
  out["reply"] = replies[0];
  return out;
}

// How many other nodes of the cluster can answer a broadcast: enabled and
// reachable (next_hop is not "none").
std::variant<std::size_t, Problem> reachable_peers(Services& s, long long cluster_id) {
  MiOutcome o = s.node.call("clusterer_list", Json(), s.mi_timeout);
  if (o.kind != MiOutcome::Kind::kResult) return problem_of(o, "clusterer_list");
  std::size_t n = 0;
  for (const auto& c : lower_keys(o.result).value("clusters", Json::array()))
    if (c.value("cluster_id", 0LL) == cluster_id)
      for (const auto& node : c.value("nodes", Json::array()))
        n += node.value("state", "") == "enabled" && node.value("next_hop", "none") != "none";
  return n;
}

Reply broadcast_request(const RouteInput& in, Services& s) {
  auto msg = body_string(in.body, "msg", true);
  if (auto* p = std::get_if<Problem>(&msg)) return *p;
  bool include_self = false;
  if (in.body.contains("include_self")) {
    if (!in.body["include_self"].is_boolean())
      return bad_request("\"include_self\" must be true or false");
    include_self = in.body["include_self"].get<bool>();
  }
  auto wait = wait_seconds(in, s);
  if (auto* p = std::get_if<Problem>(&wait)) return *p;
  const long long seconds = std::get<long long>(wait);
  HeldWait slot(s.waits, seconds);
  if (seconds > 0 && !slot.held()) return all_waits_taken(s.waits);
  std::size_t expected = 0;
  if (seconds > 0) {
    auto peers = reachable_peers(s, in.integer("cid"));
    if (auto* p = std::get_if<Problem>(&peers)) return *p;
    expected = std::get<std::size_t>(peers);
  }
  const uint64_t before = s.events ? s.events->last_seq() : 0;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  Reply sent = call(s, "cluster_broadcast_req",
                    Json{{"cluster_id", in.integer("cid")},
                         {"msg", std::get<std::string>(msg)},
                         {"include_self", include_self ? 1 : 0}});
  if (auto* p = std::get_if<Problem>(&sent)) return *p;
  const std::string tag = std::get<Json>(sent).value("tag", "");
  Json out{{"cluster_id", in.integer("cid")}, {"tag", tag}};
  if (seconds == 0) return out;
  // Every reachable peer answered, or the time is up: what came is returned
  // either way, and `complete` says which.
  bool complete = expected == 0;
  Json replies = expected == 0 ? Json::array()
                               : collect_replies(*s.events, before, tag, in.integer("cid"),
                                                 expected, deadline, &complete);
  out["expected"] = expected;
  out["complete"] = complete;
  out["replies"] = replies;
  return out;
}

Reply send_reply(const RouteInput& in, Services& s) {
  auto msg = body_string(in.body, "msg", true);
  if (auto* p = std::get_if<Problem>(&msg)) return *p;
  auto tag = body_string(in.body, "tag", false);
  if (auto* p = std::get_if<Problem>(&tag)) return *p;
  Reply sent = call(s, "cluster_send_rpl",
                    Json{{"cluster_id", in.integer("cid")},
                         {"dst_id", in.integer("nid")},
                         {"msg", std::get<std::string>(msg)},
                         {"tag", std::get<std::string>(tag)}});
  if (auto* p = std::get_if<Problem>(&sent)) return *p;
  return Json{{"cluster_id", in.integer("cid")},
              {"node_id", in.integer("nid")},
              {"tag", std::get<std::string>(tag)}};
}

// {"cmd": "...", "params": [...]} → cmd_name and cmd_params (strings and
// numbers only, as the remote side takes them).
std::variant<Json, Problem> mi_command_body(const Json& body) {
  auto cmd = body_string(body, "cmd", false);
  if (auto* p = std::get_if<Problem>(&cmd)) return *p;
  Json out{{"cmd_name", std::get<std::string>(cmd)}};
  if (body.contains("params")) {
    const Json& params = body["params"];
    if (!params.is_array()) return bad_request("\"params\" must be an array");
    for (const auto& item : params)
      if (!item.is_string() && !item.is_number())
        return bad_request("\"params\" items must be strings or numbers, not " + item.dump());
    if (!params.empty()) out["cmd_params"] = params;
  }
  return out;
}

Reply send_mi(const RouteInput& in, Services& s) {
  auto cmd = mi_command_body(in.body);
  if (auto* p = std::get_if<Problem>(&cmd)) return *p;
  Json params{{"cluster_id", in.integer("cid")}, {"destination", in.integer("nid")}};
  params.update(std::get<Json>(cmd));
  MiOutcome o = s.node.call("cluster_send_mi", params, s.mi_timeout);
  if (o.kind != MiOutcome::Kind::kResult) {
    if (auto p = remap_mi_error(o, 400, "Destination down", 503, "cluster_send_mi")) return *p;
    return problem_of(o, "cluster_send_mi");
  }
  // OpenSIPS answers a disabled local node with a result, not an error.
  if (o.result == "Local node disabled")
    return Problem{503, "cluster_send_mi: Local node disabled", {}, {}, {}};
  return Json{{"cluster_id", in.integer("cid")},
              {"node_id", in.integer("nid")},
              {"cmd", std::get<Json>(cmd)["cmd_name"]},
              {"sent", true}};
}

Reply broadcast_mi(const RouteInput& in, Services& s) {
  auto cmd = mi_command_body(in.body);
  if (auto* p = std::get_if<Problem>(&cmd)) return *p;
  Json params{{"cluster_id", in.integer("cid")}};
  params.update(std::get<Json>(cmd));
  MiOutcome o = s.node.call("cluster_broadcast_mi", params, s.mi_timeout);
  if (o.kind != MiOutcome::Kind::kResult) return problem_of(o, "cluster_broadcast_mi");
  // The other nodes run it asynchronously; the local run's result comes back.
  return Json{{"cluster_id", in.integer("cid")},
              {"cmd", std::get<Json>(cmd)["cmd_name"]},
              {"local_result", o.result}};
}

Route post(std::string path, std::string summary, std::string command, std::vector<Param> params,
           const char* body_schema, const char* response_schema,
           std::function<Reply(const RouteInput&, Services&)> answer) {
  Route r;
  r.method = Method::kPost;
  r.path = std::move(path);
  r.summary = std::move(summary);
  r.calls = std::move(command);
  r.access = Access::kWrite;
  r.params = std::move(params);
  r.body_schema = Json::parse(body_schema);
  r.response_schema = Json::parse(response_schema);
  r.answer = std::move(answer);
  return r;
}

constexpr const char* kMsgBody = R"({"type":"object","required":["msg"],
  "properties":{"msg":{"type":"string"}}})";
constexpr const char* kBroadcastBody = R"({"type":"object","required":["msg"],
  "properties":{"msg":{"type":"string"},"include_self":{"type":"boolean","default":false}}})";
constexpr const char* kReplyBody = R"({"type":"object","required":["msg","tag"],
  "properties":{"msg":{"type":"string"},"tag":{"type":"string","minLength":1}}})";
constexpr const char* kMiBody = R"({"type":"object","required":["cmd"],
  "properties":{"cmd":{"type":"string","minLength":1},
    "params":{"type":"array","items":{"type":["string","number"]}}}})";

}  // namespace

std::vector<Route> message_routes() {
  std::vector<Route> r;
  r.push_back(post("/v1/clusters/{cid}/nodes/{nid}/messages",
                   "Send a request to a node; ?wait=SECONDS returns its reply (504 if none)",
                   "cluster_send_req", {cluster_id_param(), node_id_param(), wait_param()},
                   kMsgBody, schemas::kSent, send_request));
  r.push_back(post("/v1/clusters/{cid}/messages",
                   "Broadcast a request to the cluster; ?wait=SECONDS collects the replies",
                   "cluster_broadcast_req", {cluster_id_param(), wait_param()}, kBroadcastBody,
                   schemas::kBroadcast, broadcast_request));
  r.push_back(post("/v1/clusters/{cid}/nodes/{nid}/replies",
                   "Send a reply (with the request's tag) to a node", "cluster_send_rpl",
                   {cluster_id_param(), node_id_param()}, kReplyBody, schemas::kSent, send_reply));
  r.push_back(post("/v1/clusters/{cid}/nodes/{nid}/mi",
                   "Run an MI command on another node (its output stays there)",
                   "cluster_send_mi", {cluster_id_param(), node_id_param()}, kMiBody, schemas::kMiSent, send_mi));
  r.push_back(post("/v1/clusters/{cid}/mi",
                   "Run an MI command on every node; returns the local run's result",
                   "cluster_broadcast_mi", {cluster_id_param()}, kMiBody, schemas::kMiBroadcast, broadcast_mi));
  return r;
}

}  // namespace lc::gateway
