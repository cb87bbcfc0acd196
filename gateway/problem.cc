#include "problem.h"

namespace lc::gateway {
namespace {

// OpenSIPS's application error codes are HTTP-like; the JSON-RPC
// "Invalid params" code means the request's values were wrong.
constexpr int kMiInvalidParams = -32602;

int status_of_mi_code(int code) {
  if (code == 400 || code == kMiInvalidParams) return 400;
  if (code == 404) return 404;
  if (code == 503) return 503;  // the cluster cannot deliver now (node disabled, no path)
  return 502;
}

}  // namespace

Problem bad_request(std::string detail) { return Problem{400, std::move(detail), {}, {}, {}}; }
Problem not_found(std::string detail) { return Problem{404, std::move(detail), {}, {}, {}}; }

Problem no_event_source() {
  return Problem{503,
                 "this needs the node's events, and the gateway has none: its --node is HTTP "
                 "(mi_http has no event stream); give --events unix:/path/to/mi.sock",
                 {}, {}, {}};
}

Problem problem_of(const MiOutcome& failed, const std::string& command) {
  Problem p;
  switch (failed.kind) {
    case MiOutcome::Kind::kMiError:
      p.status = status_of_mi_code(failed.mi_code);
      p.detail = command + ": " + failed.message + (failed.data.empty() ? "" : " (" + failed.data + ")");
      p.mi_code = failed.mi_code;
      p.mi_message = failed.message;
      p.mi_data = failed.data;
      return p;
    case MiOutcome::Kind::kTimeout:
      p.status = 504;
      break;
    case MiOutcome::Kind::kResult:  // not a failure: a caller bug, reported as such
      p.status = 500;
      break;
    case MiOutcome::Kind::kUnreachable:
    case MiOutcome::Kind::kBadReply:
      p.status = 502;
      break;
  }
  p.detail = command + ": " + failed.message;
  return p;
}

std::optional<Problem> remap_mi_error(const MiOutcome& o, int mi_code, std::string_view message,
                                      int status, const std::string& command) {
  if (o.kind != MiOutcome::Kind::kMiError || o.mi_code != mi_code || o.message != message)
    return std::nullopt;
  Problem p = problem_of(o, command);
  p.status = status;
  return p;
}

std::optional<Problem> unknown_target_is_404(const MiOutcome& o, const std::string& command) {
  if (auto p = remap_mi_error(o, 400, "Unknown cluster id", 404, command)) return p;
  return remap_mi_error(o, 400, "Unknown node id", 404, command);
}

Json problem_json(const Problem& p, const std::string& instance) {
  Json j;
  j["type"] = "about:blank";
  j["title"] = reason_phrase(p.status);
  j["status"] = p.status;
  j["detail"] = p.detail;
  j["instance"] = instance;
  if (p.mi_code) {
    j["mi_code"] = *p.mi_code;
    j["mi_message"] = p.mi_message;
    if (!p.mi_data.empty()) j["mi_data"] = p.mi_data;
  }
  if (p.extra.is_object()) j.update(p.extra);
  return j;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 500 ? "Client Error" : "Server Error";
  }
}

}  // namespace lc::gateway
