#include "node/kv_service.h"

#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <chrono>

#include "libcluster/kv/persist.h"

namespace lc::node {

struct KvService::Timer {
  explicit Timer(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
};

int64_t uptime_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

void log_kv(kv::LogLevel level, std::string_view text) {
  switch (level) {
    case kv::LogLevel::kDebug: spdlog::debug("cachedb_local: {}", text); break;
    case kv::LogLevel::kInfo: spdlog::info("cachedb_local: {}", text); break;
    case kv::LogLevel::kWarning: spdlog::warn("cachedb_local: {}", text); break;
    case kv::LogLevel::kError: spdlog::error("cachedb_local: {}", text); break;
  }
}

kv::KvOptions options_of(const KvSettings& s) {
  kv::KvOptions o;
  o.collections = s.collections;
  o.urls = s.urls;
  o.cluster_id = s.cluster_id;
  o.persistency = s.persistency;
  o.restart_persistent = !s.persist_file.empty();
  return o;
}

}  // namespace

KvService::KvService(runtime::Runtime& rt, const KvSettings& settings)
    : rt_(rt),
      settings_(settings),
      link_(rt, settings.cluster_id),
      kv_(std::make_unique<kv::Kv>(options_of(settings), uptime_s, log_kv,
                                   settings.cluster_id != 0 ? &link_ : nullptr)),
      timer_(std::make_unique<Timer>(*static_cast<asio::io_context*>(rt.io_context()))) {}

KvService::~KvService() = default;

Expected<std::unique_ptr<KvService>, std::string> KvService::create(runtime::Runtime& rt,
                                                                    const KvSettings& settings) {
  std::unique_ptr<KvService> svc(new KvService(rt, settings));
  if (settings.persist_file.empty()) return svc;
  auto loaded = kv::load_persist_file(settings.persist_file);
  if (!loaded) return unexpected(loaded.error());
  if (!loaded->existed) {
    spdlog::info("kv_persist_file {} does not exist yet: starting with an empty cache",
                 settings.persist_file);
    return svc;
  }
  const std::size_t skipped = svc->kv_->restore(loaded->records);
  spdlog::info("kv_persist_file {}: {} entries restored", settings.persist_file,
               loaded->records.size() - skipped);
  return svc;
}

std::optional<std::string> KvService::attach() {
  if (auto err = kv::attach(rt_, *kv_)) return err;
  if (settings_.cluster_id != 0)
    spdlog::info("cachedb-local-repl registered in cluster {} ({})", settings_.cluster_id,
                 kv::persistency_name(settings_.persistency));
  arm_sweep();
  return std::nullopt;
}

// On the loop thread: the sweep holds one collection's lock at a time.
void KvService::arm_sweep() {
  timer_->timer.expires_after(std::chrono::seconds(settings_.clean_period_s));
  timer_->timer.async_wait([this](const asio::error_code& ec) {
    if (ec) return;  // cancelled: the loop is stopping
    const std::size_t n = kv_->sweep();
    if (n > 0) spdlog::debug("cachedb_local: {} expired entries deleted", n);
    arm_sweep();
  });
}

void KvService::persist() {
  timer_->timer.cancel();
  if (settings_.persist_file.empty()) return;
  const auto records = kv_->live_records();
  if (auto err = kv::save_persist_file(settings_.persist_file, records)) {
    spdlog::error("{}", *err);
    return;
  }
  spdlog::info("kv_persist_file {}: {} entries saved", settings_.persist_file, records.size());
}

}  // namespace lc::node
