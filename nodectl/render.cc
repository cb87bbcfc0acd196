#include "render.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace lc::nodectl {
namespace {

using Row = std::vector<std::string>;

std::string text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + text(x);
    return s.empty() ? "-" : s;
  }
  return v.dump();
}

// Left-aligned columns separated by two spaces.
std::string table(const Row& header, const std::vector<Row>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::ostringstream out;
  auto line = [&](const Row& r) {
    std::string l;
    for (std::size_t i = 0; i < r.size(); ++i) {
      l += r[i];
      if (i + 1 < r.size()) l += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << l << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out.str();
}

std::string clusters_table(const Json& result) {
  std::vector<Row> rows;
  for (const auto& c : result.value("Clusters", Json::array()))
    for (const auto& n : c.value("Nodes", Json::array()))
      rows.push_back({text(c["cluster_id"]), text(n["node_id"]), text(n["url"]),
                      text(n["link_state"]), text(n["state"]), text(n["next_hop"]),
                      text(n["description"])});
  return table({"CLUSTER", "NODE", "URL", "LINK", "STATE", "NEXT_HOP", "DESCRIPTION"}, rows);
}

std::string topology_table(const Json& result) {
  std::vector<Row> rows;
  for (const auto& c : result.value("Clusters", Json::array()))
    for (const auto& n : c.value("Nodes", Json::array()))
      rows.push_back({text(c["cluster_id"]), text(n["node_id"]), text(n["Neighbours"])});
  return table({"CLUSTER", "NODE", "NEIGHBOURS"}, rows);
}

std::string caps_table(const Json& result) {
  std::vector<Row> rows;
  for (const auto& c : result.value("Clusters", Json::array()))
    for (const auto& cap : c.value("Capabilities", Json::array()))
      rows.push_back({text(c["cluster_id"]), text(cap["name"]), text(cap["state"]),
                      text(cap["enabled"])});
  return table({"CLUSTER", "CAPABILITY", "STATE", "ENABLED"}, rows);
}

std::string shtags_table(const Json& result) {
  std::vector<Row> rows;
  for (const auto& t : result)
    if (t.is_object()) rows.push_back({text(t["Tag"]), text(t["Cluster"]), text(t["State"])});
  return table({"TAG", "CLUSTER", "STATE"}, rows);
}

std::string reports_table(const Json& result) {
  std::vector<Row> rows;
  for (const auto& r : result)
    if (r.is_object() && r.contains("Log"))
      rows.push_back({text(r["Timestamp"]), text(r["Date"]), text(r["Log"])});
  return table({"TIMESTAMP", "DATE", "LOG"}, rows);
}

// cache_fetch_chunk: {"keys": [{"name": K, "value": V}, ...]}.
std::string keys_table(const Json& result) {
  std::vector<Row> rows;
  for (const auto& k : result["keys"])
    if (k.is_object()) rows.push_back({text(k.value("name", Json(""))), text(k.value("value", Json("")))});
  return table({"KEY", "VALUE"}, rows);
}

std::string object_table(const Json& result) {
  std::vector<Row> rows;
  for (const auto& [k, v] : result.items()) rows.push_back({k, text(v)});
  return table({"NAME", "VALUE"}, rows);
}

}  // namespace

std::string render_table(const std::string& method, const Json& result) {
  if (result.is_string()) return result.get<std::string>() + "\n";
  if (method == "clusterer_list") return clusters_table(result);
  if (method == "clusterer_list_topology") return topology_table(result);
  if (method == "clusterer_list_cap") return caps_table(result);
  if (method == "clusterer_list_shtags" && result.is_array()) return shtags_table(result);
  if (method == "clusterer_shtag_get" && result.contains("State")) return text(result["State"]) + "\n";
  if (method == "sr_list_reports" && result.is_array() &&
      (result.empty() || result[0].contains("Log")))
    return reports_table(result);
  if ((method == "cluster_send_req" || method == "cluster_broadcast_req") && result.contains("tag"))
    return text(result["tag"]) + "\n";
  if (method == "cluster_check_addr" && result.contains("match"))
    return result["match"].get<bool>() ? "match\n" : "no match\n";
  if (method == "get_statistics" && result.is_object()) return object_table(result);
  if (method == "cache_fetch_chunk" && result.is_object() && result.contains("keys") &&
      result["keys"].is_array())
    return keys_table(result);
  return result.dump(4) + "\n";
}

Json event_object(const Json& notification) {
  Json o;
  o["event"] = notification.value("method", "");
  const Json params = notification.value("params", Json::object());
  for (const auto& [k, v] : params.items()) o[k] = v;
  return o;
}

std::string render_event_line(const Json& notification) {
  std::string line = notification.value("method", "");
  const Json params = notification.value("params", Json::object());
  for (const auto& [k, v] : params.items()) line += " " + k + "=" + text(v);
  return line;
}

}  // namespace lc::nodectl
