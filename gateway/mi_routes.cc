#include "mi_routes.h"

namespace lc::gateway {
namespace {

Json param_schema(const mi::Param& p) {
  Json s;
  switch (p.type) {
    case mi::ParamType::kInt: s["type"] = "integer"; break;
    case mi::ParamType::kString: s["type"] = "string"; break;
    case mi::ParamType::kArray: s = Json{{"type", "array"}, {"items", {{"type", "string"}}}}; break;
  }
  if (!p.help.empty()) s["description"] = p.help;
  if (!p.choices.empty() && p.type == mi::ParamType::kString) s["enum"] = p.choices;
  if (!p.choices.empty() && p.type == mi::ParamType::kInt) {
    s["enum"] = Json::array();
    for (const auto& c : p.choices) s["enum"].push_back(std::stoll(c));
  }
  return s;
}

// The named form of the parameters: every declared one, required when each
// recipe has it. (A positional array is accepted too; the node matches it
// against the recipes, as for any MI client.)
Json body_schema(const mi::Command& cmd) {
  Json properties = Json::object(), required = Json::array();
  for (const auto& p : cmd.params) {
    properties[p.name] = param_schema(p);
    if (!cmd.optional(p.name)) required.push_back(p.name);
  }
  Json named{{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) named["required"] = required;
  return Json{{"oneOf", Json::array({named, {{"type", "array"}}})}};
}

// The body as the MI params: an object (named), an array (positional), or
// nothing.
Reply params_of(const RouteInput& in) {
  if (in.body.is_null() || in.body.is_object() || in.body.is_array()) return in.body;
  return bad_request("the body must be a JSON object of named parameters or an array of "
                     "positional ones");
}

Route command_route(const mi::Command& cmd) {
  Route r;
  r.method = Method::kPost;
  r.path = "/v1/mi/" + cmd.name;
  r.summary = "MI " + cmd.name + ": " + cmd.help + " (the MI result, unchanged)";
  // Any command may change the node: the write token, whatever it is.
  r.access = Access::kWrite;
  r.mi_command = cmd.name;
  if (!cmd.params.empty()) {
    r.body_schema = body_schema(cmd);
    r.body_required = false;  // {} and no body alike: no parameters
  }
  r.mi_params = params_of;
  r.shape = [](const RouteInput&, const Json& result) -> Reply { return result; };
  return r;
}

}  // namespace

std::vector<Route> registry_routes(const mi::Registry& registry) {
  std::vector<Route> routes;
  for (const auto& cmd : registry.commands())
    if (!cmd.streaming) routes.push_back(command_route(cmd));
  return routes;
}

}  // namespace lc::gateway
