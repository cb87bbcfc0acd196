#include "sse.h"

#include <charconv>
#include <memory>

namespace lc::gateway {
namespace {

// Tells EventSource clients how soon to reconnect after a drop.
constexpr const char* kPreamble = "retry: 2000\n: connected\n\n";

std::optional<uint64_t> parse_seq(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::set<std::string> split_names(const std::string& list) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.insert(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string gap_frame() {
  return "event: " + std::string(kGapEvent) +
         "\ndata: {\"reason\":\"events after the given Last-Event-ID were dropped from the "
         "gateway's buffer\"}\n\n";
}

}  // namespace

std::string sse_frame(const NodeEvent& e) {
  // JSON has no raw newlines, so one data line carries the whole object.
  return "id: " + std::to_string(e.seq) + "\nevent: " + e.name + "\ndata: " + e.params.dump() +
         "\n\n";
}

std::variant<StreamRequest, Problem> stream_request(const httplib::Request& req,
                                                    const EventHub& hub) {
  StreamRequest r;
  r.after = hub.last_seq();
  std::string last = req.get_header_value("Last-Event-ID");
  if (last.empty() && req.has_param("last_event_id")) last = req.get_param_value("last_event_id");
  if (!last.empty()) {
    auto seq = parse_seq(last);
    if (!seq) return bad_request("Last-Event-ID must be an event id of this stream, not '" + last + "'");
    // An id from the future (another gateway's) is treated as the oldest.
    r.after = *seq <= hub.last_seq() ? *seq : 0;
  }
  if (req.has_param("events")) r.only = split_names(req.get_param_value("events"));
  return r;
}

void stream_events(EventHub& hub, StreamRequest request, std::chrono::milliseconds heartbeat,
                   std::function<void()> on_end, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  auto cursor = std::make_shared<uint64_t>(request.after);
  auto started = std::make_shared<bool>(false);
  auto only = std::make_shared<std::set<std::string>>(std::move(request.only));
  res.set_chunked_content_provider(
      "text/event-stream",
      [&hub, heartbeat, cursor, started, only](size_t, httplib::DataSink& sink) {
        if (!*started) {
          *started = true;
          return sink.write(kPreamble, std::char_traits<char>::length(kPreamble));
        }
        EventHub::Batch b = hub.wait_after(*cursor, heartbeat);
        if (b.stopped) {
          sink.done();
          return true;
        }
        std::string out;
        if (b.gap) out += gap_frame();
        for (const auto& e : b.events)
          if (only->empty() || only->count(e.name) || e.name == kGapEvent) out += sse_frame(e);
        *cursor = b.newest;
        if (out.empty()) out = ": heartbeat\n\n";
        return sink.write(out.data(), out.size());
      },
      [on_end = std::move(on_end)](bool) { on_end(); });
}

}  // namespace lc::gateway
