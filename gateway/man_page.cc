#include "man_page.h"

#include "man/roff.h"

namespace lc::gateway {

namespace {

std::string access_text(Access a) {
  switch (a) {
    case Access::kPublic: return "no token needed";
    case Access::kRead: return "read or write token";
    case Access::kWrite: return "write token";
  }
  return "";
}

std::string params(const Route& r) {
  std::string out;
  for (const auto& p : r.params) {
    std::string where = p.in == Param::In::kPath ? "path" : "query";
    if (p.in == Param::In::kQuery && !p.required) where += ", optional";
    out += man::entry(man::italic(p.name), p.description + " (" + where + ")");
  }
  return out;
}

}  // namespace

std::string man_routes(const std::vector<Route>& routes) {
  std::string out;
  for (const auto& r : routes) {
    std::string help = r.summary + ". Access: " + access_text(r.access) + ".";
    if (!r.mi_command.empty()) help += " MI command: " + r.mi_command + ".";
    if (!r.calls.empty()) help += " Calls: " + r.calls + ".";
    if (r.event_stream) help += " Answered as Server-Sent Events.";
    out += man::entry(man::bold(method_name(r.method)) + " " + man::italic(r.path), help);
    if (const std::string p = params(r); !p.empty()) out += ".RS\n" + p + ".RE\n";
  }
  return out;
}

}  // namespace lc::gateway
