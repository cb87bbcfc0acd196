// JSON Schemas of the response bodies, attached to the routes that return
// them (Route::response_schema) and published in /openapi.json. The bodies
// are the MI results with lower-cased keys (README "Conventions"), so these
// follow mi.md's result descriptions.
#pragma once

namespace lc::gateway::schemas {

inline constexpr const char* kNode = R"json({"type":"object",
  "required":["node_id","db_id","url","link_state","state","next_hop","description"],
  "properties":{"node_id":{"type":"integer"},"db_id":{"type":"integer","description":"-1 when not from the database"},
    "url":{"type":"string"},"link_state":{"type":"string","enum":["Up","Down","Probe"]},
    "state":{"type":"string","enum":["enabled","disabled"]},
    "next_hop":{"type":"string","description":"node id of the next hop, or \"none\""},
    "description":{"type":"string"}}})json";

inline constexpr const char* kCluster = R"json({"type":"object","required":["cluster_id","nodes"],
  "properties":{"cluster_id":{"type":"integer"},
    "nodes":{"type":"array","description":"the other nodes (the local node is not listed)",
      "items":{"$ref":"#/components/schemas/Node"}}}})json";

inline constexpr const char* kClusters = R"json({"type":"object","required":["clusters"],
  "properties":{"clusters":{"type":"array","items":{"$ref":"#/components/schemas/Cluster"}}}})json";

inline constexpr const char* kTopology = R"json({"type":"object",
  "required":["cluster_id","local_node_id","nodes"],
  "properties":{"cluster_id":{"type":"integer"},"local_node_id":{"type":["integer","null"]},
    "nodes":{"type":"array","items":{"type":"object","properties":{"node_id":{"type":"integer"},
      "neighbours":{"type":"array","items":{"type":"integer"}}}}}}})json";

inline constexpr const char* kNodeStatus = R"json({"type":"object",
  "required":["cluster_id","node_id","status"],
  "properties":{"cluster_id":{"type":"integer"},"node_id":{"type":"integer"},
    "status":{"type":"string","enum":["enabled","disabled"]}}})json";

inline constexpr const char* kRemoved = R"json({"type":"object","required":["cluster_id","node_id","removed"],
  "properties":{"cluster_id":{"type":"integer"},"node_id":{"type":"integer"},
    "removed":{"const":true}}})json";

inline constexpr const char* kStatusEntry = R"json({"type":"object","required":["readiness","status"],
  "properties":{"name":{"type":"string"},"readiness":{"type":"boolean"},"status":{"type":"integer"},
    "details":{"type":"string"}}})json";

inline constexpr const char* kStatusList = R"json({"type":"object","required":["group","identifiers"],
  "properties":{"group":{"const":"clusterer"},
    "identifiers":{"type":"array","items":{"$ref":"#/components/schemas/StatusEntry"}}}})json";

inline constexpr const char* kStatusOne = R"json({"type":"object",
  "required":["group","name","readiness","status"],
  "properties":{"group":{"const":"clusterer"},"name":{"type":"string"},
    "readiness":{"type":"boolean"},"status":{"type":"integer"},"details":{"type":"string"}}})json";

inline constexpr const char* kReports = R"json({"type":"object","required":["group","name","reports"],
  "properties":{"group":{"const":"clusterer"},"name":{"type":"string"},
    "reports":{"type":"array","items":{"type":"object","properties":{
      "timestamp":{"type":"integer"},"date":{"type":"string"},"log":{"type":"string"}}}}}})json";

inline constexpr const char* kStatistics = R"json({"type":"object","required":["statistics"],
  "properties":{"statistics":{"type":"object","description":"\"group:name\" to value, as get_statistics names them",
    "additionalProperties":{"type":["integer","string"]}}}})json";

inline constexpr const char* kCapabilities = R"json({"type":"object",
  "required":["cluster_id","capabilities"],
  "properties":{"cluster_id":{"type":"integer"},
    "capabilities":{"type":"array","items":{"type":"object","properties":{
      "name":{"type":"string"},"state":{"type":"string","enum":["Ok","not synced"]},
      "enabled":{"type":"string","enum":["yes","no"]}}}}}})json";

inline constexpr const char* kCapStatus = R"json({"type":"object",
  "required":["cluster_id","capability","status"],
  "properties":{"cluster_id":{"type":"integer"},"capability":{"type":"string"},
    "status":{"type":"string","enum":["enabled","disabled"]}}})json";

inline constexpr const char* kShtags = R"json({"type":"object","required":["cluster_id","shtags"],
  "properties":{"cluster_id":{"type":"integer"},
    "shtags":{"type":"array","items":{"type":"object","properties":{
      "name":{"type":"string"},"state":{"type":"string","enum":["active","backup"]}}}}}})json";

inline constexpr const char* kShtagActive = R"json({"type":"object","required":["cluster_id","name","state"],
  "properties":{"cluster_id":{"type":"integer"},"name":{"type":"string"},"state":{"const":"active"}}})json";

inline constexpr const char* kKvEntry = R"json({"type":"object","required":["collection","key","value"],
  "properties":{"collection":{"type":"string"},"key":{"type":"string"},"value":{"type":"string"},
    "expire":{"type":"integer","description":"seconds to live as stored; 0: never"}}})json";

inline constexpr const char* kKvRemoved = R"json({"type":"object","required":["collection","key","removed"],
  "properties":{"collection":{"type":"string"},"key":{"type":"string"},"removed":{"const":true}}})json";

inline constexpr const char* kKvList = R"json({"type":"object","required":["collection","keys"],
  "properties":{"collection":{"type":"string"},"keys":{"type":"array","items":{"type":"object",
    "properties":{"name":{"type":"string"},"value":{"type":"string"}}}}}})json";

inline constexpr const char* kReloaded = R"json({"type":"object","required":["reloaded"],
  "properties":{"reloaded":{"const":true}}})json";

inline constexpr const char* kCheckAddr = R"json({"type":"object","required":["cluster_id","ip","type","match"],
  "properties":{"cluster_id":{"type":"integer"},"ip":{"type":"string"},
    "type":{"type":"string","enum":["sip","bin"]},"match":{"type":"boolean"}}})json";

inline constexpr const char* kReply = R"json({"type":"object","required":["src_id","msg"],
  "properties":{"src_id":{"type":"integer"},"msg":{"type":"string"}}})json";

inline constexpr const char* kSent = R"json({"type":"object","required":["cluster_id","node_id","tag"],
  "properties":{"cluster_id":{"type":"integer"},"node_id":{"type":"integer"},"tag":{"type":"string"},
    "reply":{"$ref":"#/components/schemas/Reply","description":"with ?wait: the reply that carried the tag"}}})json";

inline constexpr const char* kBroadcast = R"json({"type":"object","required":["cluster_id","tag"],
  "properties":{"cluster_id":{"type":"integer"},"tag":{"type":"string"},
    "expected":{"type":"integer","description":"with ?wait: reachable enabled peers"},
    "complete":{"type":"boolean","description":"with ?wait: every expected peer answered in time"},
    "replies":{"type":"array","items":{"$ref":"#/components/schemas/Reply"}}}})json";

inline constexpr const char* kMiSent = R"json({"type":"object","required":["cluster_id","node_id","cmd","sent"],
  "properties":{"cluster_id":{"type":"integer"},"node_id":{"type":"integer"},"cmd":{"type":"string"},
    "sent":{"const":true}}})json";

inline constexpr const char* kMiBroadcast = R"json({"type":"object","required":["cluster_id","cmd","local_result"],
  "properties":{"cluster_id":{"type":"integer"},"cmd":{"type":"string"},
    "local_result":{"description":"the command's result on the local node"}}})json";

inline constexpr const char* kLivez = R"json({"type":"object","properties":{"status":{"const":"ok"}}})json";

inline constexpr const char* kReady = R"json({"type":"object","required":["status"],
  "properties":{"status":{"const":"ready"},
    "checks":{"type":"array","description":"with ?verbose: every check",
      "items":{"type":"object","required":["name","ok","detail"],
        "properties":{"name":{"type":"string"},"ok":{"type":"boolean"},"detail":{"type":"string"}}}}}})json";

}  // namespace lc::gateway::schemas
