// clusterd: one cluster node. Reads its configuration, starts the BIN
// listeners, the MI endpoints and the event loop, and runs until SIGTERM or
// SIGINT (graceful: connections are closed, so peers see the links drop at
// once). SIGHUP reloads like clusterer_reload.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "config.h"
#include "libcluster/mi/registry.h"
#include "libcluster/runtime/runtime.h"
#include "mi_http_server.h"
#include "mi_unix_server.h"
#include "node_context.h"

namespace {

using lc::node::NodeConfig;

constexpr int kExitConfig = 2;
constexpr int kExitRuntime = 1;

std::string event_text(const lc::core::Event& e) {
  if (const auto* s = std::get_if<lc::core::NodeStateChanged>(&e))
    return "node " + std::to_string(s->node_id) + " in cluster " + std::to_string(s->cluster_id) +
           " is " + (s->up ? "UP" : "DOWN");
  if (const auto* a = std::get_if<lc::core::NodeAdded>(&e))
    return "learned node " + std::to_string(a->node_id) + " (" + a->url + ") in cluster " +
           std::to_string(a->cluster_id);
  if (const auto* r = std::get_if<lc::core::NodeRemoved>(&e))
    return "node " + std::to_string(r->node_id) + " removed from cluster " +
           std::to_string(r->cluster_id);
  return {};
}

void log_event(const lc::core::Event& e) {
  if (const auto* d = std::get_if<lc::core::Diagnostic>(&e)) {
    spdlog::debug("{}", d->text);
    return;
  }
  if (auto text = event_text(e); !text.empty()) spdlog::info("{}", text);
}

std::vector<lc::runtime::Listener> listeners_of(const NodeConfig& cfg) {
  std::vector<lc::runtime::Listener> out;
  for (const auto& l : cfg.listeners) out.push_back({l.host, l.port});
  return out;
}

bool write_pid_file(const std::string& path) {
  std::ofstream f(path, std::ios::trunc);
  f << ::getpid() << "\n";
  return static_cast<bool>(f);
}

int run_node(const NodeConfig& cfg) {
  if (cfg.core.db_mode) {
    spdlog::error("db_mode=1 (provisioning from the clusterer table) needs the database store, "
                  "which this build does not include yet; start with db_mode = 0");
    return kExitConfig;
  }
  if (auto err = lc::core::Engine::validate(cfg.core, cfg.clusters)) {
    spdlog::error("invalid configuration: {}", *err);
    return kExitConfig;
  }
  auto make_engine = [&](lc::core::Now now) { return lc::core::Engine(cfg.core, cfg.clusters, now); };

  lc::runtime::Options opts;
  opts.listeners = listeners_of(cfg);
  opts.dispatch_jobs = cfg.dispatch_jobs;
  lc::runtime::Runtime rt(make_engine(lc::runtime::clock_now()), std::move(opts));

  const lc::mi::Registry registry = lc::mi::make_clusterer_registry();
  lc::node::NodeContext ctx(rt, cfg.enable_stats, [] {
    // Not reached: the handler answers "Non-DB mode" first, and db_mode 1 is
    // refused at start. Should that change, no reload must look like one.
    return std::optional<lc::mi::MiError>{lc::mi::MiError{500, "Failed to reload", std::nullopt}};
  });

  rt.add_event_listener([&](const lc::core::Event& e) {
    log_event(e);
    if (const auto* cmd = std::get_if<lc::core::MiCommandReceived>(&e)) {
      auto run = lc::mi::run_received(registry, ctx, *cmd);
      run.ok ? spdlog::info("{}", run.log) : spdlog::error("{}", run.log);
    }
  });

  if (auto err = rt.start()) {
    spdlog::error("{}", *err);
    return kExitRuntime;
  }
  std::unique_ptr<lc::node::MiUnixServer> mi_unix;
  if (!cfg.mi_socket.empty()) {
    mi_unix = std::make_unique<lc::node::MiUnixServer>(rt, registry, ctx, cfg.mi_socket);
    if (auto err = mi_unix->start()) {
      spdlog::error("{}", *err);
      return kExitRuntime;
    }
  }
  std::unique_ptr<lc::node::MiHttpServer> mi_http;
  if (cfg.mi_http) {
    mi_http = std::make_unique<lc::node::MiHttpServer>(rt, registry, ctx);
    if (auto err = mi_http->start(cfg.mi_http->host, cfg.mi_http->port)) {
      spdlog::error("{}", *err);
      return kExitRuntime;
    }
  }
  if (!cfg.pid_file.empty() && !write_pid_file(cfg.pid_file)) {
    spdlog::error("cannot write pid_file {}", cfg.pid_file);
    return kExitRuntime;
  }

  auto& io = *static_cast<asio::io_context*>(rt.io_context());
  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::thread stopper;
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const asio::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        auto r = registry.run_command(ctx, "clusterer_reload", {});
        if (!r) spdlog::warn("SIGHUP: reload: {}", r.error().message);
        rt.flush();
        wait_signal();
        return;
      }
      spdlog::info("stopping on signal {}", sig);
      if (mi_unix) mi_unix->stop();
      // The HTTP server's in-flight requests run on this loop: stop it from
      // another thread while the loop keeps serving them.
      stopper = std::thread([&] {
        if (mi_http) mi_http->stop();
        rt.stop();
      });
    });
  };
  wait_signal();

  std::string listening;
  for (const auto& l : cfg.listeners)
    listening += (listening.empty() ? "" : ", ") + l.proto + ":" +
                 (l.host.find(':') != std::string::npos ? "[" + l.host + "]" : l.host) + ":" +
                 std::to_string(l.port);
  spdlog::info("clusterd node {} listening on {}{}", cfg.core.my_node_id, listening,
               cfg.mi_socket.empty() ? "" : ", MI on " + cfg.mi_socket);
  rt.run();
  if (stopper.joinable()) stopper.join();
  if (!cfg.pid_file.empty()) ::unlink(cfg.pid_file.c_str());
  spdlog::info("clusterd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("clusterd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  auto cl = lc::node::parse_command_line(argc, argv);
  if (!cl) {
    std::fprintf(stderr, "clusterd: %s\n", cl.error().message.c_str());
    return kExitConfig;
  }
  switch (cl->mode) {
    case lc::node::Mode::kHelp:
    case lc::node::Mode::kVersion:
      std::fputs(cl->text.c_str(), stdout);
      return 0;
    case lc::node::Mode::kPrintConfig:
      std::fputs(lc::node::render_toml(cl->config).c_str(), stdout);
      return 0;
    case lc::node::Mode::kCheckConfig:
      lc::node::log_messages(cl->config);
      std::puts("configuration OK");
      return 0;
    case lc::node::Mode::kRun:
      break;
  }
  spdlog::set_level(cl->config.log_level);
  lc::node::log_messages(cl->config);
  return run_node(cl->config);
}
