#include "sim_capability.h"

#include <algorithm>
#include <cassert>
#include <memory>
#include <stdexcept>

#include "libcluster/wire/codec.h"

namespace lc::sim {

namespace {

constexpr int32_t kDataVersion = 1;
constexpr int32_t kWritePacket = 1;

std::string value_of(int32_t key, std::size_t bytes) {
  std::string v = "v" + std::to_string(key) + "-";
  while (v.size() < bytes) v += static_cast<char>('a' + (key + v.size()) % 26);
  return v;
}

}  // namespace

CapModel::CapModel(Options o) : o_(std::move(o)) {
  for (int32_t k = 1; k <= o_.records; ++k) dataset_[k] = value_of(k, o_.value_bytes);
}

wire::Bytes CapModel::encode_record(int32_t key, const std::string& value) {
  // Sized once (GCC 12 warns, wrongly, about inserting after 4 bytes).
  wire::Bytes b(4 + value.size());
  for (int i = 0; i < 4; ++i) b[static_cast<std::size_t>(i)] = static_cast<uint8_t>(key >> (8 * i));
  std::copy(value.begin(), value.end(), b.begin() + 4);
  return b;
}

void CapModel::install(SimConfig& cfg) {
  nodes_.assign(static_cast<std::size_t>(cfg.n + 1), NodeState{});
  if (cfg.flags.size() < nodes_.size()) cfg.flags.resize(nodes_.size());
  for (int o : o_.origins) {
    if (o < 1 || o > cfg.n) throw std::invalid_argument("CapModel: origin out of range");
    cfg.flags[static_cast<std::size_t>(o)] = "seed";
  }
  cfg.on_start = [this](Sim& sim, int n, Engine& e) { on_start(sim, n, e); };
  cfg.on_event = [this](Sim& sim, int n, const Event& ev) { on_event(sim, n, ev); };
}

CapModel::NodeState& CapModel::node(int n) {
  assert(n >= 1 && static_cast<std::size_t>(n) < nodes_.size());
  return nodes_[static_cast<std::size_t>(n)];
}

const CapModel::Store& CapModel::store(int n) const {
  return const_cast<CapModel*>(this)->node(n).store;
}

int CapModel::syncs_done(int n) const { return const_cast<CapModel*>(this)->node(n).syncs_done; }
int CapModel::answers_started(int n) const { return const_cast<CapModel*>(this)->node(n).answers; }

core::CapabilityView CapModel::view(const Sim& sim, int n) const {
  auto v = sim.engine(n).capability(sim.config().cluster_id, o_.name);
  if (!v)
    throw std::logic_error("CapModel: capability not registered on node " + std::to_string(n));
  return *v;
}

std::vector<std::string> CapModel::reports(const Sim& sim, int n) const {
  std::vector<std::string> out;
  for (const auto& r : sim.engine(n).capability_reports(o_.name)) out.push_back(r.log);
  return out;
}

// The module's init at every start: the store (persisted on origins),
// registration, and the startup sync request.
void CapModel::on_start(Sim& sim, int n, Engine& e) {
  NodeState& st = node(n);
  st = NodeState{sim.incarnation(n), {}, 0, 0};
  const bool origin = std::find(o_.origins.begin(), o_.origins.end(), n) != o_.origins.end();
  if (origin) st.store = dataset_;
  core::CapabilitySpec spec{o_.name, sim.config().cluster_id, true, core::NodeMatch::kAny, false};
  if (!e.register_capability(spec)) throw std::logic_error("CapModel: registration failed");
  if (o_.request_at_start) e.request_sync(sim.now(), spec.cluster_id, o_.name);
}

void CapModel::apply(int n, const wire::Bytes& chunk) {
  if (chunk.size() < 4) return;
  int32_t key = 0;
  for (int i = 0; i < 4; ++i)
    key |= static_cast<int32_t>(chunk[static_cast<std::size_t>(i)]) << (8 * i);
  node(n).store[key] = std::string(chunk.begin() + 4, chunk.end());
}

void CapModel::on_event(Sim& sim, int n, const Event& ev) {
  const auto* m = std::get_if<core::ModuleEvent>(&ev);
  if (!m || m->module != o_.name) return;
  NodeState& st = node(n);
  switch (m->kind) {
    case core::ModuleEventKind::kSyncData:
      for (const auto& c : m->sync->chunks) apply(n, c);
      return;
    case core::ModuleEventKind::kRecvMsg:
      if (m->packet) apply(n, m->packet->body);
      return;
    case core::ModuleEventKind::kSyncDone: ++st.syncs_done; return;
    case core::ModuleEventKind::kSyncRequest: {
      ++st.answers;
      // A snapshot of the store, one chunk per record, sent from a "job".
      auto chunks = std::make_shared<std::vector<wire::Bytes>>();
      for (const auto& [k, v] : st.store) chunks->push_back(encode_record(k, v));
      const int inc = sim.incarnation(n);
      const int32_t requester = m->node_id;
      sim.at(sim.now_ms(), [this, &sim, n, inc, requester, chunks] {
        answer(sim, n, inc, requester, chunks, 0);
      });
      return;
    }
    default: return;
  }
}

void CapModel::answer(Sim& sim, int n, int incarnation, int32_t requester,
                      std::shared_ptr<const std::vector<wire::Bytes>> chunks, std::size_t from) {
  if (!sim.alive(n) || sim.incarnation(n) != incarnation) return;  // died with its process
  const int64_t step_ms = std::max<int64_t>(o_.step_ms, 1);
  if (sim.paused(n)) {  // a frozen process runs no job
    sim.at(sim.now_ms() + step_ms,
           [=, this, &sim] { answer(sim, n, incarnation, requester, chunks, from); });
    return;
  }
  const int32_t cluster = sim.config().cluster_id;
  const std::size_t step =
      o_.chunks_per_step > 0 ? static_cast<std::size_t>(o_.chunks_per_step) : chunks->size();
  const std::size_t to = std::min(from + step, chunks->size());
  core::SendResult r = core::SendResult::kSuccess;
  if (to > from)
    r = sim.call(n, [&](Engine& e, Now now) {
      return e.sync_chunks(now, cluster, o_.name, requester, kDataVersion,
                           std::span<const wire::Bytes>(chunks->data() + from, to - from));
    });
  if (r == core::SendResult::kSuccess && to < chunks->size()) {
    sim.at(sim.now_ms() + step_ms,
           [=, this, &sim] { answer(sim, n, incarnation, requester, chunks, to); });
    return;
  }
  sim.call(n, [&](Engine& e, Now now) { return e.sync_end(now, cluster, o_.name, requester); });
}

core::SendResult CapModel::write(Sim& sim, int n, int32_t key, const std::string& value) {
  node(n).store[key] = value;
  dataset_[key] = value;  // what every synced node must end with
  const wire::Bytes body = encode_record(key, value);
  const wire::Bytes packet = wire::encode_module_unrouted(o_.name, kWritePacket, 1, body);
  return sim.call(
      n, [&](Engine& e, Now now) { return e.send_all(now, sim.config().cluster_id, packet); });
}

}  // namespace lc::sim
