// cluster-gateway: REST/JSON in front of one node's MI (issue 7). It speaks
// OpenSIPS's JSON-RPC, so the node is a clusterd (unix socket or mi_http) or
// an OpenSIPS with mi_http.
//
// Exit status: 0 stopped by SIGTERM/SIGINT, 2 bad flags or a refused token
// file or an address it cannot listen on.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <thread>

#include "config_file.h"
#include "lc_build_info.h"
#include "man/roff.h"
#include "man_page.h"
#include "openapi.h"
#include "node/log_format.h"
#include "node/service_notify.h"
#include "server.h"

namespace {

constexpr int kExitUsage = 2;

struct Options {
  std::string node;
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  std::string read_token_file;
  std::string log_level = "info";
  std::string log_format = "text";
  int mi_timeout_ms = 5000;
  std::size_t max_body_bytes = 64 * 1024;
  std::string tls_cert;
  std::string tls_key;
  std::string events;  // default: --node when it is a unix socket
  std::size_t event_buffer = 1024;
  int heartbeat_ms = 15000;
  std::size_t max_event_streams = 64;
  std::size_t max_waits = 32;
};

// IP:PORT or [IPv6]:PORT → host and port; the error says which part is wrong.
std::optional<std::string> parse_listen(const std::string& text, std::string* host,
                                        uint16_t* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return "--listen wants IP:PORT, got '" + text + "'";
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  try {
    std::size_t used = 0;
    p = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) p = -1;
  } catch (const std::exception&) {
    p = -1;
  }
  if (p < 1 || p > 65535) return "--listen: bad port in '" + text + "'";
  *host = h;
  *port = static_cast<uint16_t>(p);
  return std::nullopt;
}

std::optional<std::string> load_tokens(const Options& o, lc::gateway::Tokens* tokens) {
  if (!o.token_file.empty()) {
    auto t = lc::gateway::load_token(o.token_file);
    if (t.index() == 1) return std::get<1>(t);
    tokens->write = std::get<0>(t);
  }
  if (!o.read_token_file.empty()) {
    auto t = lc::gateway::load_token(o.read_token_file);
    if (t.index() == 1) return std::get<1>(t);
    tokens->read = std::get<0>(t);
  }
  return std::nullopt;
}

void add_options(CLI::App& app, Options& o) {
  app.add_option("--node", o.node, "the node's MI: unix:/path/mi.sock or http://IP:PORT/mi")
      ->required();
  app.add_option("--listen", o.listen, "IP:PORT to serve the REST API on")
      ->capture_default_str();
  app.add_option("--token-file", o.token_file,
                 "file with the bearer token every POST/PUT/DELETE needs (not world-readable)");
  app.add_option("--read-token-file", o.read_token_file,
                 "file with the bearer token reads need (the write token works too)");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  app.add_option("--log-format", o.log_format, "text, or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--mi-timeout-ms", o.mi_timeout_ms, "how long one MI call may take")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--max-body-bytes", o.max_body_bytes, "largest request body accepted")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64} * 1024 * 1024))
      ->capture_default_str();
  auto* cert = app.add_option("--tls-cert", o.tls_cert, "PEM certificate: serve HTTPS")
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--events", o.events,
                 "unix:/path/mi.sock to follow the node's events on (default: --node when it "
                 "is a unix socket; an HTTP node has no event stream)");
  app.add_option("--event-buffer", o.event_buffer,
                 "events kept for clients that resume with Last-Event-ID")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  app.add_option("--heartbeat-ms", o.heartbeat_ms, "comment line on an idle event stream")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  app.add_option("--max-event-streams", o.max_event_streams, "event streams open at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
      ->capture_default_str();
  app.add_option("--max-waits", o.max_waits,
                 "requests waiting for replies (?wait) at once; more answer 503 with Retry-After "
                 "(each holds a thread, beside the other routes' own)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
      ->capture_default_str();
  // For client generators and docs, without a node or a listener. Like
  // --version, it answers before --node is found missing.
  app.add_flag_callback(
         "--print-openapi",
         [] {
           std::puts(lc::gateway::openapi_document(lc::gateway::make_routes(), LC_VERSION)
                         .dump(2)
                         .c_str());
           throw CLI::Success();
         },
         "print the OpenAPI 3.1 document of the routes (as GET /openapi.json) and exit")
      ->configurable(false);
  // Hidden (no group): only the build calls it (man/CMakeLists.txt).
  app.add_option_function<std::string>(
         "--man-page",
         [&app](const std::string& part) {
           std::fputs((part == "routes" ? lc::gateway::man_routes(lc::gateway::make_routes())
                                        : lc::man::options(app, false))
                          .c_str(),
                      stdout);
           throw CLI::Success();
         },
         "print a part of the man page and exit")
      ->check(CLI::IsMember({"options", "routes"}))
      ->configurable(false)
      ->group("");
}

// The unix socket to follow events on: --events, else --node if it is one.
std::optional<std::string> events_socket(const Options& o, std::string* path) {
  const std::string& from = o.events.empty() ? o.node : o.events;
  if (from.rfind("unix:", 0) == 0 && from.size() > 5) {
    *path = from.substr(5);
    return std::nullopt;
  }
  if (o.events.empty()) return std::nullopt;  // an HTTP node and no --events: none
  return "--events wants unix:/path/to/mi.sock, got '" + o.events + "'";
}

// Builds the server settings; the error is for the operator.
std::optional<std::string> settings_of(const Options& o, lc::gateway::ServerSettings* s) {
  auto level = spdlog::level::from_str(o.log_level);
  if (level == spdlog::level::off && o.log_level != "off")
    return "--log-level: unknown level '" + o.log_level + "'";
  spdlog::set_level(level);
  lc::logging::use_log_format(*lc::logging::parse_log_format(o.log_format));
  if (auto err = parse_listen(o.listen, &s->host, &s->port)) return err;
  if (auto err = load_tokens(o, &s->tokens)) return err;
  if (auto err = events_socket(o, &s->events_socket)) return err;
  s->mi_timeout = std::chrono::milliseconds(o.mi_timeout_ms);
  s->max_body_bytes = o.max_body_bytes;
  s->tls_cert_file = o.tls_cert;
  s->tls_key_file = o.tls_key;
  s->event_buffer = o.event_buffer;
  s->heartbeat = std::chrono::milliseconds(o.heartbeat_ms);
  s->max_event_streams = o.max_event_streams;
  s->max_waits = o.max_waits;
  s->version = LC_VERSION;
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("cluster-gateway"));
  CLI::App app{"cluster-gateway: REST API in front of one clusterd or OpenSIPS node's MI"};
  app.set_version_flag("--version", "cluster-gateway " LC_VERSION_TEXT);
  Options o;
  add_options(app, o);
  lc::gateway::use_toml_config(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage hint
    return kExitUsage;
  }

  lc::gateway::ServerSettings settings;
  if (auto err = settings_of(o, &settings)) {
    spdlog::error("{}", *err);
    return kExitUsage;
  }
  std::string error;
  auto node = lc::gateway::make_backend(o.node, &error);
  if (!node) {
    spdlog::error("{}", error);
    return kExitUsage;
  }
  const std::string node_address = node->address();

  // Signals are taken by a thread of our own (sigwait) rather than a
  // handler, so stopping the server runs in normal thread context.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  lc::gateway::Server server(std::move(settings), std::move(node));
  if (auto err = server.bind()) {
    spdlog::error("{}", *err);
    return kExitUsage;
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("stopping on signal {}", sig);
    lc::service::notify_stopping();
    server.stop();
  });
  spdlog::info("cluster-gateway listening on {}://{} for node {}",
               o.tls_cert.empty() ? "http" : "https", o.listen, node_address);
  // Bound: connections queue until serve() accepts them. The watchdog
  // thread starts after the signal mask, so it never takes SIGTERM.
  lc::service::notify_ready();
  lc::service::WatchdogThread watchdog;
  server.serve();
  waiter.join();
  spdlog::info("cluster-gateway stopped");
  return 0;
}
