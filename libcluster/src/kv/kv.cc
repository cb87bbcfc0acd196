#include "libcluster/kv/kv.h"

#include <cassert>
#include <map>

namespace lc::kv {

namespace {

KvStatus from_store(StoreStatus s) {
  switch (s) {
    case StoreStatus::kOk: return KvStatus::kOk;
    case StoreStatus::kUnknownCollection: return KvStatus::kUnknownCollection;
    case StoreStatus::kFull: return KvStatus::kFull;
  }
  return KvStatus::kFull;
}

std::string where(std::string_view collection, std::string_view key) {
  return "collection " + std::string(collection) + ", key " + std::string(key);
}

}  // namespace

std::string_view change_cause_name(ChangeCause c) {
  switch (c) {
    case ChangeCause::kLocal: return "local";
    case ChangeCause::kReplication: return "replication";
    case ChangeCause::kSync: return "sync";
    case ChangeCause::kExpiry: return "expiry";
    case ChangeCause::kPruned: return "pruned";
  }
  return "?";
}

std::string_view kv_status_name(KvStatus s) {
  switch (s) {
    case KvStatus::kOk: return "ok";
    case KvStatus::kUnknownCollection: return "unknown collection";
    case KvStatus::kNotFound: return "not found";
    case KvStatus::kFull: return "store full";
    case KvStatus::kBadTtl: return "negative TTL";
  }
  return "?";
}

Kv::Kv(KvOptions options, Clock clock_s, Logger logger, ClusterLink* link)
    : options_(std::move(options)),
      clock_(std::move(clock_s)),
      logger_(std::move(logger)),
      link_(link),
      store_(options_.collections, options_.max_entries) {
  assert(clock_);
  assert(options_.cluster_id == 0 || link_ != nullptr);
  assert(options_.sync_batch_bytes > 0);
}

void Kv::log(LogLevel level, const std::string& text) const {
  if (logger_) logger_(level, text);
}

void Kv::notify(Change c) const {
  if (on_change_) on_change_(c);
}

bool Kv::replicates(const CollectionSpec& c) const {
  return c.replicated && options_.cluster_id != 0;
}

// §1 "When a node sends": after the local write, outside any lock; send
// failures are only logged, the local write stands.
void Kv::broadcast(const Expected<wire::Bytes, CodecError>& packet, std::string_view what,
                   std::string_view collection, std::string_view key) {
  if (!packet) {
    log(LogLevel::kError, std::string(what) + " not replicated (" + where(collection, key) +
                              "): " + packet.error().detail + "; the local write stands");
    return;
  }
  const core::SendResult r = link_->send_all(*packet);
  if (r == core::SendResult::kSuccess) return;
  // A lone node (every peer down) would log this on each write: debug.
  const LogLevel level = r == core::SendResult::kError ? LogLevel::kError : LogLevel::kDebug;
  log(level, std::string(what) + " of " + where(collection, key) + " not sent to cluster " +
                 std::to_string(options_.cluster_id) + ": " +
                 std::string(core::send_result_name(r)));
}

KvStatus Kv::put(std::string_view collection, std::string key, std::string value, int32_t ttl_s) {
  if (ttl_s < 0) return KvStatus::kBadTtl;
  const CollectionSpec* c = store_.collection(collection);
  if (!c) return KvStatus::kUnknownCollection;
  Record rec{c->name, std::move(key), std::move(value), ttl_s};
  const StoreStatus st = store_.put(rec.collection, rec.key, rec.value, ttl_s, clock_(), false);
  if (st != StoreStatus::kOk) return from_store(st);
  if (replicates(*c)) broadcast(encode_insert(rec), "REPL_CACHE_INSERT", rec.collection, rec.key);
  notify({rec.collection, std::move(rec.key), std::move(rec.value), ChangeCause::kLocal});
  return KvStatus::kOk;
}

Expected<std::string, KvStatus> Kv::get(std::string_view collection, std::string_view key) {
  GetResult r = store_.get(collection, key, clock_());
  if (r.status != StoreStatus::kOk) return unexpected(from_store(r.status));
  if (r.expired) notify({std::string(collection), std::string(key), std::nullopt, ChangeCause::kExpiry});
  if (!r.value) return unexpected(KvStatus::kNotFound);
  return std::move(*r.value);
}

KvStatus Kv::remove(std::string_view collection, std::string_view key) {
  const CollectionSpec* c = store_.collection(collection);
  if (!c) return KvStatus::kUnknownCollection;
  const RemoveResult r = store_.remove(collection, key);
  if (replicates(*c))
    broadcast(encode_remove({c->name, std::string(key)}), "REPL_CACHE_REMOVE", c->name, key);
  if (r.existed) notify({c->name, std::string(key), std::nullopt, ChangeCause::kLocal});
  return KvStatus::kOk;
}

std::optional<std::vector<KeyValue>> Kv::fetch_chunk(std::string_view collection,
                                                     std::string_view glob) const {
  return store_.fetch_chunk(collection, glob);
}

std::optional<std::size_t> Kv::remove_chunk(std::string_view collection, std::string_view glob) {
  auto removed = store_.remove_chunk(collection, glob);
  if (!removed) return std::nullopt;
  for (std::string& key : *removed)
    notify({std::string(collection), std::move(key), std::nullopt, ChangeCause::kLocal});
  return removed->size();
}

std::size_t Kv::sweep() {
  auto gone = store_.sweep(clock_());
  for (Deleted& d : gone)
    notify({std::move(d.collection), std::move(d.key), std::nullopt, ChangeCause::kExpiry});
  return gone.size();
}

std::optional<std::string> Kv::resolve_system(std::string_view system) const {
  const auto colon = system.find(':');
  if (system.substr(0, colon) != "local") return std::nullopt;
  const std::string_view group =
      colon == std::string_view::npos ? std::string_view() : system.substr(colon + 1);
  if (colon != std::string_view::npos && group.empty()) return std::nullopt;
  for (const UrlBinding& u : options_.urls)
    if (u.group == group) return u.collection.empty() ? first_collection() : u.collection;
  // No URL at all means "local://" (§2.4); with URLs, only the bound groups.
  if (group.empty()) return options_.urls.empty() ? std::optional(first_collection()) : std::nullopt;
  // K4: a group without URL names the collection of the same name.
  if (store_.collection(group)) return std::string(group);
  return std::nullopt;
}

core::CapabilitySpec Kv::capability() const {
  core::CapabilitySpec spec;
  spec.name = std::string(kCapability);
  spec.cluster_id = options_.cluster_id;
  spec.startup_sync = needs_startup_sync();
  spec.sync_cond = core::NodeMatch::kAny;
  return spec;
}

void Kv::on_event(const core::ModuleEvent& ev) {
  assert(ev.module == kCapability);
  switch (ev.kind) {
    case core::ModuleEventKind::kRecvMsg:
      if (ev.packet) on_packet(*ev.packet);
      return;
    case core::ModuleEventKind::kSyncRequest:
      serve_sync(ev.node_id);
      return;
    case core::ModuleEventKind::kSyncData:
      if (ev.sync) on_sync_data(*ev.sync, ev.node_id);
      return;
    case core::ModuleEventKind::kSyncDone:
      prune_after_sync();
      return;
    case core::ModuleEventKind::kNodeUp:
    case core::ModuleEventKind::kNodeDown:
    case core::ModuleEventKind::kRouteFailed:
      return;  // §2.3: ignored, as OpenSIPS does
  }
}

// §1 receiver rules.
void Kv::on_packet(const wire::ModulePacket& p) {
  auto msg = decode_packet(p.type, p.body);
  if (!msg) {
    if (msg.error().code == CodecErrc::kUnknownType)
      log(LogLevel::kWarning, "Invalid cache binary packet command: " + msg.error().detail);
    else
      log(LogLevel::kError, "dropped a " + std::string(kCapability) + " packet from node " +
                                std::to_string(p.trailer.src_node_id) + ": " + msg.error().detail);
    return;
  }
  if (auto* ins = std::get_if<Record>(&*msg))
    apply_insert(std::move(*ins), ChangeCause::kReplication);
  else
    apply_remove(std::get<Removal>(*msg));
}

bool Kv::apply_insert(Record r, ChangeCause cause) {
  const CollectionSpec* c = store_.collection(r.collection);
  if (!c) {
    log(LogLevel::kError, "Collection: " + r.collection + " not found");
    return false;
  }
  if (!c->replicated) {
    log(LogLevel::kDebug, "ignored a replicated write to the local-only " + where(r.collection, r.key));
    return true;
  }
  if (r.ttl_s < 0) {
    // K2: an INSERT that is already expired replaces the entry with nothing.
    if (store_.remove(r.collection, r.key).existed)
      notify({std::move(r.collection), std::move(r.key), std::nullopt, cause});
    return true;
  }
  const StoreStatus st = store_.put(r.collection, r.key, r.value, r.ttl_s, clock_(), true);
  if (st != StoreStatus::kOk) {
    log(LogLevel::kError, "replicated write to " + where(r.collection, r.key) + " dropped: " +
                              std::string(kv_status_name(from_store(st))));
    return true;
  }
  notify({std::move(r.collection), std::move(r.key), std::move(r.value), cause});
  return true;
}

void Kv::apply_remove(const Removal& r) {
  const CollectionSpec* c = store_.collection(r.collection);
  if (!c) {
    log(LogLevel::kError, "Collection: " + r.collection + " not found");
    return;
  }
  if (!c->replicated) return;
  if (store_.remove(r.collection, r.key).existed)
    notify({r.collection, r.key, std::nullopt, ChangeCause::kReplication});
}

// §2.3, with K1: a chunk that cannot be applied is skipped, the others are.
void Kv::on_sync_data(const core::SyncData& data, int32_t from) {
  if (data.data_version != kDataVersion)
    log(LogLevel::kDebug, "sync data version " + std::to_string(data.data_version) +
                              " from node " + std::to_string(from) + " read as version 1");
  std::size_t skipped = 0;
  for (const wire::Bytes& chunk : data.chunks) {
    auto rec = decode_sync_record(chunk);
    if (!rec) {
      log(LogLevel::kError, "skipped a sync chunk from node " + std::to_string(from) + ": " +
                                rec.error().detail);
      ++skipped;
      continue;
    }
    if (!apply_insert(std::move(*rec), ChangeCause::kSync)) ++skipped;
  }
  if (skipped > 0)
    log(LogLevel::kError, "Failed to process sync packet: " + std::to_string(skipped) + " of " +
                              std::to_string(data.chunks.size()) + " chunks from node " +
                              std::to_string(from) + " skipped");
}

// §2.2: one chunk per live entry of each replicated collection, then
// SYNC_END whatever happened.
void Kv::serve_sync(int32_t requester) {
  assert(link_ != nullptr);
  const int64_t now = clock_();
  std::size_t sent = 0;
  bool going = true;
  for (const CollectionSpec& c : options_.collections) {
    if (!c.replicated || !going) continue;
    // A copy of the collection's live entries: no lock is held while the
    // link waits for the engine.
    std::vector<Record> records = store_.sync_records(c.name, now);
    std::vector<wire::Bytes> batch;
    std::size_t batch_bytes = 0;
    for (const Record& r : records) {
      auto chunk = encode_sync_record(r);
      if (!chunk) {
        log(LogLevel::kError, "not synced to node " + std::to_string(requester) + " (" +
                                  where(r.collection, r.key) + "): " + chunk.error().detail);
        continue;
      }
      batch_bytes += chunk->size();
      batch.push_back(std::move(*chunk));
      if (batch_bytes < options_.sync_batch_bytes) continue;
      sent += batch.size();
      going = send_batch(requester, batch);
      batch_bytes = 0;
      if (!going) break;
    }
    if (going && !batch.empty()) {
      sent += batch.size();
      going = send_batch(requester, batch);
    }
  }
  const core::SendResult end = link_->sync_end(requester);
  log(LogLevel::kDebug, "sync answer to node " + std::to_string(requester) + ": " +
                            std::to_string(sent) + " chunks handed over, SYNC_END " +
                            std::string(core::send_result_name(end)));
}

bool Kv::send_batch(int32_t requester, std::vector<wire::Bytes>& batch) {
  const core::SendResult r = link_->sync_chunks(requester, batch);
  batch.clear();
  if (r == core::SendResult::kSuccess) return true;
  log(LogLevel::kError, "Failed to send sync data to node: " + std::to_string(requester) + " (" +
                            std::string(core::send_result_name(r)) + ")");
  return false;
}

void Kv::prune_after_sync() {
  if (!options_.restart_persistent) return;
  for (const CollectionSpec& c : options_.collections) {
    if (!c.replicated) continue;
    for (std::string& key : store_.prune_unsynced(c.name))
      notify({c.name, std::move(key), std::nullopt, ChangeCause::kPruned});
  }
}

std::size_t Kv::restore(const std::vector<Record>& records) {
  const int64_t now = clock_();
  // Why entries were skipped -> how many: one log line per reason.
  std::map<std::string, std::size_t> skipped;
  for (const Record& r : records) {
    if (r.ttl_s < 0) {
      ++skipped["a negative TTL"];
      continue;
    }
    const StoreStatus st = store_.put(r.collection, r.key, r.value, r.ttl_s, now, false);
    if (st == StoreStatus::kUnknownCollection)
      ++skipped["collection " + r.collection + " is not configured"];
    else if (st != StoreStatus::kOk)
      ++skipped[std::string(kv_status_name(from_store(st)))];
  }
  std::size_t total = 0;
  for (const auto& [why, n] : skipped) {
    log(LogLevel::kWarning, "persist file: " + std::to_string(n) + " entries not restored: " + why);
    total += n;
  }
  return total;
}

}  // namespace lc::kv
