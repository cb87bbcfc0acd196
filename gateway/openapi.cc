#include "openapi.h"

#include <cctype>

#include "schemas.h"

namespace lc::gateway {
namespace {

Json param_schema(Param::Type t) {
  switch (t) {
    case Param::Type::kPositiveInteger: return Json{{"type", "integer"}, {"minimum", 1}};
    case Param::Type::kInteger: return Json{{"type", "integer"}};
    case Param::Type::kString: return Json{{"type", "string"}};
  }
  return Json{{"type", "string"}};
}

Json parameter(const Param& p) {
  Json schema = param_schema(p.type);
  if (p.minimum) schema["minimum"] = *p.minimum;
  if (p.maximum) schema["maximum"] = *p.maximum;
  return Json{{"name", p.name},
              {"in", p.in == Param::In::kPath ? "path" : "query"},
              {"required", p.required},
              {"description", p.description},
              {"schema", schema}};
}

// GET /v1/clusters/{cid}/nodes → get_v1_clusters_cid_nodes
std::string operation_id(const Route& r) {
  std::string id = method_name(r.method);
  for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char c : r.path) {
    if (std::isalnum(static_cast<unsigned char>(c))) id += c;
    else if (c == '/' || c == '.') id += '_';
  }
  return id;
}

Json responses(const Route& r) {
  Json problem{{"$ref", "#/components/responses/Problem"}};
  Json out;
  Json schema = r.response_schema.is_null() ? Json::object() : r.response_schema;
  if (r.event_stream) schema = Json{{"type", "string"}};
  out["200"] =
      Json{{"description", "success"}, {"content", {{r.response_type, {{"schema", schema}}}}}};
  if (r.access != Access::kPublic) out["401"] = problem;
  out["default"] = problem;
  return out;
}

Json operation(const Route& r) {
  Json op;
  op["operationId"] = operation_id(r);
  op["summary"] = r.summary;
  const std::string& mi = r.mi_command.empty() ? r.calls : r.mi_command;
  if (!mi.empty()) op["description"] = "MI behind it: " + mi;
  Json params = Json::array();
  for (const auto& p : r.params) params.push_back(parameter(p));
  if (!params.empty()) op["parameters"] = params;
  if (!r.body_schema.is_null())
    op["requestBody"] = Json{{"required", r.body_required},
                             {"content", {{"application/json", {{"schema", r.body_schema}}}}}};
  op["responses"] = responses(r);
  op["security"] = r.access == Access::kPublic ? Json::array()
                                                : Json::array({Json{{"bearer", Json::array()}}});
  return op;
}

Json components() {
  Json problem_schema = Json::parse(R"({
    "type":"object","description":"RFC 9457 problem details; mi_* carry the node's MI error",
    "properties":{"type":{"type":"string"},"title":{"type":"string"},"status":{"type":"integer"},
      "detail":{"type":"string"},"instance":{"type":"string"},"mi_code":{"type":"integer"},
      "mi_message":{"type":"string"},"mi_data":{"type":"string"}}})");
  Json c;
  c["schemas"]["Problem"] = problem_schema;
  c["schemas"]["Node"] = Json::parse(schemas::kNode);
  c["schemas"]["Cluster"] = Json::parse(schemas::kCluster);
  c["schemas"]["StatusEntry"] = Json::parse(schemas::kStatusEntry);
  c["schemas"]["Reply"] = Json::parse(schemas::kReply);
  c["responses"]["Problem"] = Json{
      {"description", "an error"},
      {"content", {{"application/problem+json",
                    {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
  c["securitySchemes"]["bearer"] = Json{{"type", "http"}, {"scheme", "bearer"}};
  return c;
}

}  // namespace

Json openapi_document(const std::vector<Route>& routes, const std::string& version) {
  Json doc;
  doc["openapi"] = "3.1.0";
  doc["info"] = Json{{"title", "libcluster cluster-gateway"},
                     {"version", version},
                     {"description", "REST in front of one clusterd or OpenSIPS node's MI"}};
  Json paths = Json::object();
  for (const auto& r : routes) {
    std::string m = method_name(r.method);
    for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.path][m] = operation(r);
  }
  doc["paths"] = paths;
  doc["components"] = components();
  return doc;
}

}  // namespace lc::gateway
