// The JSON-RPC 2.0 envelope of OpenSIPS's MI (mi.md §1): request checks,
// recipe matching, id echo and the notification rule.
#include <exception>
#include <memory>
#include <utility>

#include "libcluster/mi/registry.h"

namespace lc::mi {

namespace {

// What the envelope needs from a request object.
struct Request {
  bool valid = false;
  bool notification = true;  // no "id" member
  Json id = nullptr;         // as echoed: null, a string or an integer
  const Json* method = nullptr;
  const Json* params = nullptr;  // nullptr when absent or empty
};

const Json* member(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

// A string is echoed unchanged, a number as a (truncated) integer, anything
// else makes the request invalid and is answered with null.
bool read_id(const Json* id, Request& r) {
  if (!id) return true;
  r.notification = false;
  if (id->is_string()) r.id = *id;
  if (id->is_number()) r.id = *coerce_int(*id);
  return id->is_string() || id->is_number() || id->is_null();
}

Request inspect(const Json& req) {
  Request r;
  if (!req.is_object()) return r;
  bool ok = read_id(member(req, "id"), r);
  const Json* version = member(req, "jsonrpc");
  ok = ok && version && version->is_string() && *version == "2.0";
  r.method = member(req, "method");
  ok = ok && r.method && r.method->is_string();
  r.params = member(req, "params");
  if (r.params) {
    ok = ok && (r.params->is_array() || r.params->is_object());
    if (r.params->empty()) r.params = nullptr;  // [] and {} mean "no params"
  }
  r.valid = ok;
  return r;
}

Json error_json(const MiError& e) {
  Json j;
  j["code"] = e.code;
  j["message"] = e.message;
  if (e.data) j["data"] = *e.data;
  return j;
}

Json response(const Result& r, Json id) {
  Json j;
  j["jsonrpc"] = "2.0";
  if (r)
    j["result"] = *r;
  else
    j["error"] = error_json(r.error());
  j["id"] = std::move(id);
  return j;
}

using Recipe = std::vector<std::string>;

bool has_names(const Recipe& recipe, const Json& object) {
  for (const auto& n : recipe)
    if (!object.contains(n)) return false;
  return true;
}

// OpenSIPS's get_cmd_recipe: no params select the empty recipe; positional
// params the one recipe of that size; named params the recipe of that size
// with exactly those names.
Expected<const Recipe*, MiError> select_recipe(const Command& cmd, const Json* params) {
  const Recipe* match = nullptr;
  bool same_size_seen = false;
  for (const auto& r : cmd.recipes) {
    if (!params) {
      if (r.empty()) return &r;
      continue;
    }
    if (r.empty() || r.size() != params->size()) continue;
    if (params->is_array()) {
      if (match) return unexpected(invalid_params("Ambiguous call, use named parameters instead"));
      match = &r;
      continue;
    }
    same_size_seen = true;
    if (has_names(r, *params)) return &r;
  }
  if (match) return match;
  return unexpected(invalid_params(same_size_seen ? "Named parameters do not match"
                                                  : "Too few or too many parameters"));
}

Params bind(const Recipe& recipe, const Json* params) {
  Params bound;
  for (std::size_t i = 0; i < recipe.size(); ++i) {
    const Json& v = params->is_array() ? (*params)[i] : *params->find(recipe[i]);
    bound.bind(recipe[i], &v);
  }
  return bound;
}

// A streaming command's result lists the events it subscribed to.
std::optional<Subscription> subscription_of(const Json& result) {
  if (!result.is_object() || !result.contains("events")) return std::nullopt;
  Subscription s;
  for (const auto& e : result["events"])
    if (e.is_string()) s.events.push_back(e.get<std::string>());
  return s;
}

}  // namespace

void Registry::call_async(Context& ctx, const Command& cmd, const Json* params, Done done) const {
  if (params && params->is_null()) params = nullptr;
  if (params && !params->is_array() && !params->is_object()) return done(unexpected(invalid_request()));
  if (params && params->empty()) params = nullptr;
  if (params && params->is_array() && cmd.named_only)
    return done(unexpected(invalid_params("Command only supports named parameters")));
  auto recipe = select_recipe(cmd, params);
  if (!recipe) return done(unexpected(recipe.error()));
  const Params bound = bind(**recipe, params);
  Call c{ctx, *this, bound};
  // OpenSIPS's answer when a handler produced nothing (memory failure).
  const auto failed = [] { return Result(unexpected(server_error("Command handler returned null"))); };
  if (!cmd.async_handler) {
    Result r = failed();
    try {
      r = cmd.handler(c);
    } catch (const std::exception&) {
    }
    return done(std::move(r));
  }
  // `done` must run once: not again when the handler throws after answering.
  auto answered = std::make_shared<bool>(false);
  Done once = [answered, done = std::move(done)](Result r) {
    if (std::exchange(*answered, true)) return;
    done(std::move(r));
  };
  try {
    cmd.async_handler(c, once);
  } catch (const std::exception&) {
    once(failed());
  }
}

Result Registry::call(Context& ctx, const Command& cmd, const Json* params) const {
  std::optional<Result> out;
  call_async(ctx, cmd, params, [&out](Result r) { out = std::move(r); });
  if (!out) return unexpected(server_error("Command answers asynchronously"));
  return std::move(*out);
}

void Registry::handle_json_async(Context& ctx, const Json& request, ReplyDone done) const {
  const Request req = inspect(request);
  // Invalid requests are answered even without an id (mi.md §1.2).
  if (!req.valid) return done(Reply{response(unexpected(invalid_request()), req.id), std::nullopt});
  const Command* cmd = find(req.method->get_ref<const std::string&>());
  if (!cmd) {
    Reply reply;
    if (!req.notification) reply.response = response(unexpected(method_not_found()), req.id);
    return done(std::move(reply));
  }
  call_async(ctx, *cmd, req.params,
             [streaming = cmd->streaming, notification = req.notification, id = req.id,
              done = std::move(done)](Result r) {
               Reply reply;
               if (streaming && r) reply.stream = subscription_of(*r);
               if (!notification) reply.response = response(r, id);
               done(std::move(reply));
             });
}

void Registry::handle_async(Context& ctx, std::string_view body, ReplyDone done) const {
  const Json request = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded())
    return done(Reply{response(unexpected(parse_error()), nullptr), std::nullopt});
  handle_json_async(ctx, request, std::move(done));
}

namespace {

// The answer of the synchronous forms when a command did not answer at once.
Reply not_answered(const Json& request) {
  return Reply{response(unexpected(server_error("Command answers asynchronously")),
                        inspect(request).id),
               std::nullopt};
}

}  // namespace

Reply Registry::handle_json(Context& ctx, const Json& request) const {
  std::optional<Reply> out;
  handle_json_async(ctx, request, [&out](Reply r) { out = std::move(r); });
  return out ? std::move(*out) : not_answered(request);
}

Reply Registry::handle(Context& ctx, std::string_view body) const {
  const Json request = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return Reply{response(unexpected(parse_error()), nullptr), std::nullopt};
  return handle_json(ctx, request);
}

}  // namespace lc::mi
