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

#include "background_worker.h"
#include "config.h"
#include "db_provisioning.h"
#include "kv_service.h"
#include "libcluster/mi/registry.h"
#include "libcluster/runtime/runtime.h"
#include "mi_http_server.h"
#include "mi_unix_server.h"
#include "node_context.h"
#include "service_notify.h"

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
  if (const auto* t = std::get_if<lc::core::ShtagChanged>(&e))
    return lc::core::shtag_report_text(t->name, t->cluster_id,
                                       t->active ? lc::core::ShtagState::kActive
                                                 : lc::core::ShtagState::kBackup,
                                       t->reason);
  if (const auto* c = std::get_if<lc::core::CapStatusChanged>(&e))
    return "capability " + c->capability + " in cluster " + std::to_string(c->cluster_id) +
           ": " + c->details;
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

// Pings systemd's watchdog from the event loop: a loop that stops turning
// stops the pings, and systemd restarts the node (WatchdogSec).
void ping_watchdog(asio::steady_timer& timer, std::chrono::microseconds every) {
  lc::service::notify_watchdog();
  timer.expires_after(every);
  timer.async_wait([&timer, every](const asio::error_code& ec) {
    if (!ec) ping_watchdog(timer, every);
  });
}

// The `sharing_tag` definitions, as the engine takes them.
std::vector<lc::core::ShtagDefinition> shtag_definitions(const NodeConfig& cfg) {
  std::vector<lc::core::ShtagDefinition> defs;
  for (const auto& t : cfg.sharing_tags)
    defs.push_back({t.name, t.cluster_id,
                    t.active ? lc::core::ShtagState::kActive : lc::core::ShtagState::kBackup});
  return defs;
}

void log_loaded(const lc::store::Loaded& loaded) {
  for (const auto& w : loaded.warnings) spdlog::warn("clusterer table: {}", w);
  for (const auto& n : loaded.notices) spdlog::info("{}", n);
}

// The clusters to start with: the configuration's (db_mode 0) or the
// database's (db_mode 1). An error is the message to exit with.
lc::Expected<std::vector<lc::core::ClusterSpec>, std::string> initial_clusters(
    const NodeConfig& cfg, const lc::node::DbProvisioning* db) {
  if (!db) return cfg.clusters;
  auto loaded = db->load();
  if (!loaded) return lc::unexpected("Failed to load info from DB: " + db->explain(loaded.error()));
  log_loaded(*loaded);
  return std::move(loaded->clusters);
}

// clusterer_reload's second half, on the loop thread: swap in the data set
// read by the worker, or keep the current one.
std::optional<lc::mi::MiError> apply_reload(
    lc::runtime::Runtime& rt, const NodeConfig& cfg, const lc::node::DbProvisioning& db,
    const lc::Expected<lc::store::Loaded, lc::store::Error>& loaded) {
  const lc::mi::MiError failed{500, "Failed to reload", std::nullopt};
  if (!loaded) {
    spdlog::error("clusterer_reload: {}; keeping the current topology", db.explain(loaded.error()));
    return failed;
  }
  if (auto err = lc::core::Engine::validate(cfg.core, loaded->clusters)) {
    spdlog::error("clusterer_reload: {}; keeping the current topology", *err);
    return failed;
  }
  log_loaded(*loaded);
  lc::core::Engine fresh(cfg.core, loaded->clusters, rt.now());
  fresh.keep_reports_of(rt.engine());
  for (const auto& w : fresh.keep_shtags_of(rt.engine())) spdlog::warn("clusterer_reload: {}", w);
  rt.replace_engine(std::move(fresh));
  spdlog::info("clusterer_reload: {} cluster(s) loaded; every node is probed again",
               loaded->clusters.size());
  return std::nullopt;
}

int run_node(const NodeConfig& cfg) {
  std::unique_ptr<lc::node::DbProvisioning> db;
  if (cfg.core.db_mode) db = std::make_unique<lc::node::DbProvisioning>(cfg);
  auto clusters = initial_clusters(cfg, db.get());
  if (!clusters) {
    spdlog::error("{}", clusters.error());
    return kExitConfig;
  }
  if (auto err = lc::core::Engine::validate(cfg.core, *clusters)) {
    spdlog::error("invalid configuration: {}", *err);
    return kExitConfig;
  }

  lc::runtime::Options opts;
  opts.listeners = listeners_of(cfg);
  opts.dispatch_jobs = cfg.dispatch_jobs;
  opts.max_msg_time_ms = int64_t{cfg.tcp_max_msg_time_s} * 1000;
  lc::runtime::Runtime rt(lc::core::Engine(cfg.core, *clusters, lc::runtime::clock_now()),
                          std::move(opts));
  for (const auto& w : rt.engine().define_shtags(shtag_definitions(cfg))) spdlog::warn("{}", w);
  for (const auto& w : rt.engine().define_shtag_failover(cfg.sharing_tag_failover))
    spdlog::warn("{}", w);
  // Database reads and writes, off the loop. Declared after rt: it stops
  // (and stops posting to the loop) before the runtime goes away.
  lc::node::BackgroundWorker db_worker;
  // The cache (kv_*): the persist file is read before anything can write it.
  auto kv = lc::node::KvService::create(rt, cfg.kv);
  if (!kv) {
    spdlog::error("{}", kv.error());
    return kExitConfig;
  }
  if (auto err = (*kv)->attach()) {
    spdlog::error("{}", *err);
    return kExitConfig;
  }

  const lc::mi::Registry registry = lc::mi::make_clusterer_registry();
  lc::node::NodeContext::DbHooks hooks;
  if (db) {
    hooks.reload = [&](lc::mi::Context::ReloadDone done) {
      const bool queued = db_worker.submit([&, done] {
        auto loaded = db->load();  // the loop keeps serving meanwhile
        rt.post([&, loaded = std::move(loaded), done] {
          done(apply_reload(rt, cfg, *db, loaded));
          rt.flush();
        });
      });
      if (!queued) {
        spdlog::error("clusterer_reload: too many database jobs queued; keeping the current topology");
        done(lc::mi::MiError{500, "Failed to reload", std::nullopt});
      }
    };
    hooks.store_state = [&](int32_t cluster_id, int32_t node_id, bool enabled) {
      const bool queued = db_worker.submit([&, cluster_id, node_id, enabled] {
        if (auto err = db->write_state(cluster_id, node_id, enabled)) spdlog::error("{}", *err);
      });
      if (!queued) spdlog::error("clusterer_set_status: too many database jobs queued; state of "
                                 "node {} in cluster {} not written", node_id, cluster_id);
    };
  }
  lc::node::NodeContext ctx(rt, cfg.enable_stats, std::move(hooks), &(*kv)->kv());

  rt.add_event_listener([&](const lc::core::Event& e) {
    log_event(e);
    if (const auto* cmd = std::get_if<lc::core::MiCommandReceived>(&e)) {
      lc::mi::run_received(registry, ctx, *cmd, [](const lc::mi::RemoteRun& run) {
        run.ok ? spdlog::info("{}", run.log) : spdlog::error("{}", run.log);
      });
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
  asio::steady_timer watchdog(io);
  std::thread stopper;
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const asio::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        spdlog::info("SIGHUP: reloading");
        registry.run_command_async(ctx, "clusterer_reload", {}, [](const lc::mi::Result& r) {
          if (r)
            spdlog::info("SIGHUP: reload done");
          else
            spdlog::warn("SIGHUP: reload: {} {}", r.error().code, r.error().message);
        });
        rt.flush();
        wait_signal();
        return;
      }
      spdlog::info("stopping on signal {}", sig);
      lc::service::notify_stopping();
      watchdog.cancel();
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
  // The BIN listeners and the MI endpoints are bound: peers and nodectl can
  // connect (they are served once the loop runs).
  lc::service::notify_ready();
  if (auto every = lc::service::watchdog_ping_interval(); every.count() > 0)
    ping_watchdog(watchdog, every);
  rt.run();
  if (stopper.joinable()) stopper.join();
  (*kv)->persist();  // the loop has stopped: nothing writes the cache any more
  if (!cfg.pid_file.empty()) ::unlink(cfg.pid_file.c_str());
  db_worker.stop();
  spdlog::info("clusterd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("clusterd");
  spdlog::set_default_logger(logger);
  lc::logging::use_log_format(lc::logging::LogFormat::kText);

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
  lc::logging::use_log_format(cl->config.log_format);
  lc::node::log_messages(cl->config);
  return run_node(cl->config);
}
