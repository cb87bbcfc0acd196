#include "sim.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "libcluster/wire/codec.h"

namespace lc::sim {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string join_ids(const std::vector<int32_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s;
}

}  // namespace

std::string event_to_string(const Event& ev) {
  return std::visit(
      Overloaded{
          [](const core::NodeStateChanged& e) {
            return "NodeStateChanged{cl=" + std::to_string(e.cluster_id) +
                   " node=" + std::to_string(e.node_id) + (e.up ? " UP}" : " DOWN}");
          },
          [](const core::GenericReceived& e) {
            return "GenericReceived{cl=" + std::to_string(e.cluster_id) +
                   " src=" + std::to_string(e.src_id) + (e.request ? " req" : " rpl") +
                   " tag=" + e.tag + " msg=" + e.msg + "}";
          },
          [](const core::MiCommandReceived& e) {
            return "MiCommandReceived{src=" + std::to_string(e.src_id) + " " + e.cmd_name + "}";
          },
          [](const core::ModuleEvent& e) {
            static const char* kinds[] = {"recv",     "route_failed", "node_up",  "node_down",
                                          "sync_req", "sync_data",    "sync_done"};
            return "ModuleEvent{" + e.module + " " + kinds[static_cast<int>(e.kind)] +
                   " cl=" + std::to_string(e.cluster_id) + " node=" + std::to_string(e.node_id) +
                   "}";
          },
          [](const core::NodeAdded& e) {
            return "NodeAdded{cl=" + std::to_string(e.cluster_id) +
                   " node=" + std::to_string(e.node_id) + " " + e.url + "}";
          },
          [](const core::NodeRemoved& e) {
            return "NodeRemoved{cl=" + std::to_string(e.cluster_id) +
                   " node=" + std::to_string(e.node_id) + "}";
          },
          [](const core::Diagnostic& e) { return "Diagnostic{" + e.text + "}"; },
          [](const core::ShtagChanged& e) {
            return "ShtagChanged{" + e.name + "/" + std::to_string(e.cluster_id) +
                   (e.active ? " active" : " backup") + " due to " + e.reason + "}";
          },
          [](const core::CapStatusChanged& e) {
            return "CapStatusChanged{cap:" + e.capability + " " + std::to_string(e.old_status) +
                   " -> " + std::to_string(e.status) + " " + e.details + "}";
          },
      },
      ev);
}

Sim::Sim(SimConfig cfg) : cfg_(std::move(cfg)), rng_(cfg_.seed) {
  if (cfg_.n < 1 || cfg_.n > 250) throw std::invalid_argument("Sim: n out of range");
  now_ = cfg_.start_ms;
  const char* tr = std::getenv("LC_SIM_TRACE");
  trace_ = cfg_.trace || (tr && *tr && std::string(tr) != "0");
  const int n = cfg_.n;
  nodes_.resize(static_cast<std::size_t>(n + 1));
  links_.resize(static_cast<std::size_t>((n + 1) * (n + 1)));
  for (int a = 1; a <= n; ++a)
    for (int b = 1; b <= n; ++b)
      if (a != b) link(a, b).latency = rng_.range(cfg_.min_latency_ms, cfg_.max_latency_ms);

  const bool db = cfg_.base.db_mode;
  auto info = [&](int id) {
    core::NodeInfo ni;
    ni.node_id = id;
    ni.url = url_of(id);
    ni.priority = static_cast<std::size_t>(id) < cfg_.priority.size()
                      ? cfg_.priority[id]
                      : (db ? core::kDefaultDbPriority : core::kDefaultScriptPriority);
    ni.no_ping_retries = static_cast<std::size_t>(id) < cfg_.no_ping_retries.size()
                             ? cfg_.no_ping_retries[id]
                             : core::kDefaultNoPingRetries;
    ni.enabled = static_cast<std::size_t>(id) < cfg_.enabled.size() ? cfg_.enabled[id] : true;
    ni.sip_addr = "127.0.0." + std::to_string(id) + ":5060";
    if (static_cast<std::size_t>(id) < cfg_.flags.size()) ni.flags = cfg_.flags[id];
    if (db) ni.db_id = id;
    return ni;
  };
  for (int i = 1; i <= n; ++i) {
    Node& nd = nodes_[i];
    nd.cfg = cfg_.base;
    nd.cfg.my_node_id = i;
    core::ClusterSpec spec;
    spec.cluster_id = cfg_.cluster_id;
    spec.local = info(i);
    std::vector<int> peers;
    if (cfg_.known.empty()) {
      for (int j = 1; j <= n; ++j)
        if (j != i) peers.push_back(j);
    } else {
      if (static_cast<std::size_t>(i) < cfg_.known.size()) peers = cfg_.known[i];
    }
    for (int j : peers)
      if (j != i) spec.nodes.push_back(info(j));
    nd.specs.push_back(std::move(spec));
    if (auto err = Engine::validate(nd.cfg, nd.specs))
      throw std::invalid_argument("Sim: node " + std::to_string(i) + " config invalid: " + *err);
  }
  for (int i = 1; i <= n; ++i) create_engine(i);
}

Sim::~Sim() = default;

std::string Sim::ip_of(int n) { return "127.0.0." + std::to_string(n); }
std::string Sim::url_of(int n) { return "bin:" + ip_of(n) + ":5000"; }

int Sim::node_of_url(const std::string& url) const {
  // bin:127.0.0.N:PORT (or bins:)
  auto p = url.find("127.0.0.");
  if (p == std::string::npos) return 0;
  p += 8;
  int v = 0;
  std::size_t digits = 0;
  while (p < url.size() && url[p] >= '0' && url[p] <= '9' && digits < 4) {
    v = v * 10 + (url[p] - '0');
    ++p;
    ++digits;
  }
  if (digits == 0 || v < 1 || v > cfg_.n) return 0;
  return v;
}

void Sim::check_node(int n) const {
  if (n < 1 || n > cfg_.n) throw std::out_of_range("Sim: no node " + std::to_string(n));
}

Engine& Sim::engine(int n) {
  check_node(n);
  if (!nodes_[n].engine) throw std::logic_error("Sim: node " + std::to_string(n) + " is down");
  return *nodes_[n].engine;
}
const Engine& Sim::engine(int n) const {
  check_node(n);
  if (!nodes_[n].engine) throw std::logic_error("Sim: node " + std::to_string(n) + " is down");
  return *nodes_[n].engine;
}

void Sim::create_engine(int n) {
  Node& nd = nodes_[n];
  nd.engine = std::make_unique<Engine>(nd.cfg, nd.specs, now());
  nd.incarnation++;
  nd.started_at = now_;
  nd.paused = false;
  nd.backlog.clear();
  nd.pushed_deadline = -1;
  for (const auto& m : cfg_.modules) {
    if (!nd.engine->register_module(m, {cfg_.cluster_id}, cfg_.module_auth_check))
      violation("register_module(" + m + ") failed on node " + std::to_string(n));
  }
  if (static_cast<std::size_t>(n) < cfg_.sharing_tags.size())
    for (const auto& w : nd.engine->define_shtags(cfg_.sharing_tags[n]))
      violation("node " + std::to_string(n) + ": " + w);
  if (cfg_.on_start) cfg_.on_start(*this, n, *nd.engine);
  after(n);
}

void Sim::violation(std::string text) {
  if (violations_.size() < 200)
    violations_.push_back("t=" + std::to_string(now_ - cfg_.start_ms) + "ms " + std::move(text));
}

uint64_t Sim::push(int64_t t, Item item) {
  if (t < now_) t = now_;
  const uint64_t id = next_id_++;
  items_.emplace(id, std::move(item));
  queue_.push(QueueEntry{t, seq_++, id});
  return id;
}

void Sim::at(int64_t t, std::function<void()> fn) {
  Item it;
  it.kind = Kind::kAction;
  it.fn = std::move(fn);
  push(t, std::move(it));
}

void Sim::run_until(int64_t t) {
  while (!queue_.empty() && queue_.top().t <= t) {
    QueueEntry e = queue_.top();
    queue_.pop();
    now_ = std::max(now_, e.t);
    if (++stats_.events_processed > cfg_.max_events) {
      violation("event budget exhausted (runaway?)");
      while (!queue_.empty()) queue_.pop();
      items_.clear();
      break;
    }
    process(e.id);
  }
  now_ = std::max(now_, t);
}

bool Sim::run_until_pred(const std::function<bool()>& pred, int64_t deadline) {
  if (pred()) return true;
  while (!queue_.empty() && queue_.top().t <= deadline) {
    QueueEntry e = queue_.top();
    queue_.pop();
    now_ = std::max(now_, e.t);
    if (++stats_.events_processed > cfg_.max_events) {
      violation("event budget exhausted (runaway?)");
      while (!queue_.empty()) queue_.pop();
      items_.clear();
      return false;
    }
    process(e.id);
    if (pred()) return true;
  }
  now_ = std::max(now_, deadline);
  return pred();
}

void Sim::process(uint64_t id) {
  auto itx = items_.find(id);
  if (itx == items_.end()) return;
  Item& it = itx->second;
  switch (it.kind) {
    case Kind::kAction: {
      auto fn = std::move(it.fn);
      items_.erase(itx);
      fn();
      return;
    }
    case Kind::kTick: {
      const int n = it.node;
      Node& nd = nodes_[n];
      const bool stale = !nd.engine || nd.incarnation != it.incarnation || nd.paused ||
                         it.deadline != nd.pushed_deadline;
      items_.erase(itx);
      if (stale) return;
      if (now_ >= nd.engine->next_deadline_ms()) {
        stats_.ticks++;
        nd.engine->on_tick(now());
        after(n);
        if (nd.engine && nd.engine->next_deadline_ms() <= now_) {
          violation("node " + std::to_string(n) +
                    ": next_deadline_ms() did not advance past now after on_tick");
          nd.pushed_deadline = now_ + 1;
          Item t;
          t.kind = Kind::kTick;
          t.node = n;
          t.incarnation = nd.incarnation;
          t.deadline = nd.pushed_deadline;
          push(now_ + 1, std::move(t));
        }
      } else {
        nd.pushed_deadline = -1;
        schedule_tick(n);
      }
      return;
    }
    case Kind::kReset:
    case Kind::kSendFailed: {
      pending_notify_.erase({it.node, static_cast<int>(it.kind), it.peer});
      Node& nd = nodes_[it.node];
      if (!nd.engine || nd.incarnation != it.incarnation) {
        items_.erase(itx);
        return;
      }
      if (nd.paused) {
        nd.backlog.push_back(id);
        return;
      }
      dispatch(it);
      items_.erase(id);
      return;
    }
    case Kind::kDeliver: {
      Node& nd = nodes_[it.node];
      const int src = it.peer;
      if (!nd.engine) {
        stats_.dropped_dead++;
        if (trace_)
          std::fprintf(stderr, "[%lld] drop(dead) %d->%d\n",
                       static_cast<long long>(now_ - cfg_.start_ms), src, it.node);
        if (cfg_.crash_refuses)
          notify(src, Kind::kSendFailed, it.node, now_ + link(it.node, src).latency);
        items_.erase(itx);
        return;
      }
      if (nd.incarnation != it.incarnation) {
        stats_.dropped_dead++;
        if (cfg_.crash_refuses || it.node_was_alive)
          notify(src, it.node_was_alive ? Kind::kReset : Kind::kSendFailed, it.node,
                 now_ + link(it.node, src).latency);
        items_.erase(itx);
        return;
      }
      Link& L = link(src, it.node);
      if (it.link_seq <= L.recv_seq)
        violation("FIFO violated on link " + std::to_string(src) + "->" + std::to_string(it.node));
      L.recv_seq = it.link_seq;
      if (nd.paused) {
        nd.backlog.push_back(id);
        return;
      }
      dispatch(it);
      items_.erase(id);
      return;
    }
  }
}

void Sim::dispatch(Item& it) {
  Node& nd = nodes_[it.node];
  Engine& e = *nd.engine;
  switch (it.kind) {
    case Kind::kDeliver: {
      stats_.delivered++;
      if (trace_) {
        std::string d = describe(it.bytes, false);
        std::fprintf(stderr, "[%lld] deliver %d->%d conn=%llu %s\n",
                     static_cast<long long>(now_ - cfg_.start_ms), it.peer, it.node,
                     static_cast<unsigned long long>(it.conn), d.c_str());
      }
      // Source IP: the sender's own IP.
      core::PeerAddr from{it.conn, ip_of(it.peer)};
      e.on_packet(now(), from, std::span<const uint8_t>(it.bytes.data(), it.bytes.size()));
      break;
    }
    case Kind::kReset:
      stats_.resets++;
      if (trace_)
        std::fprintf(stderr, "[%lld] reset at %d (peer %d)\n",
                     static_cast<long long>(now_ - cfg_.start_ms), it.node, it.peer);
      e.on_connection_reset(now(), it.peer);
      break;
    case Kind::kSendFailed:
      stats_.send_failed++;
      if (trace_)
        std::fprintf(stderr, "[%lld] send_failed at %d (peer %d)\n",
                     static_cast<long long>(now_ - cfg_.start_ms), it.node, it.peer);
      e.on_send_failed(now(), it.peer);
      break;
    default:
      return;
  }
  after(it.node);
}

void Sim::after(int n) {
  Node& nd = nodes_[n];
  if (!nd.engine) return;
  // Transmits and events may interleave only through further inputs, so
  // draining both fully is enough.
  while (auto tx = nd.engine->poll_transmit()) transmit(n, *tx);
  while (auto ev = nd.engine->poll_event()) {
    if (cfg_.on_event) cfg_.on_event(*this, n, *ev);
    if (std::holds_alternative<core::Diagnostic>(*ev)) {
      stats_.diagnostics++;
      if (trace_)
        std::fprintf(stderr, "[%lld] node %d %s\n", static_cast<long long>(now_ - cfg_.start_ms),
                     n, event_to_string(*ev).c_str());
      if (!cfg_.record_diagnostics) continue;
    } else if (trace_) {
      std::fprintf(stderr, "[%lld] node %d EVENT %s\n",
                   static_cast<long long>(now_ - cfg_.start_ms), n, event_to_string(*ev).c_str());
    }
    nd.log.push_back(Record{now_, n, nd.incarnation, std::move(*ev)});
  }
  schedule_tick(n);
}

void Sim::schedule_tick(int n) {
  Node& nd = nodes_[n];
  if (!nd.engine || nd.paused) return;
  const int64_t d = nd.engine->next_deadline_ms();
  if (d == nd.pushed_deadline) return;
  nd.pushed_deadline = d;
  Item it;
  it.kind = Kind::kTick;
  it.node = n;
  it.incarnation = nd.incarnation;
  it.deadline = d;
  push(std::max(d, now_), std::move(it));
}

uint64_t Sim::new_conn(int initiator, int acceptor) {
  const uint64_t c = next_conn_++;
  conns_[c] = ConnInfo{initiator, acceptor};
  link(initiator, acceptor).conn = c;
  return c;
}

void Sim::transmit(int src, const core::Transmit& tx) {
  if (tx.reply_conn_id != 0) {
    auto it = conns_.find(tx.reply_conn_id);
    if (it == conns_.end()) {
      violation("node " + std::to_string(src) + " replied on unknown connection " +
                std::to_string(tx.reply_conn_id));
      return;
    }
    const ConnInfo ci = it->second;
    if (ci.acceptor != src) {
      violation("node " + std::to_string(src) + " replied on a connection it does not own");
      return;
    }
    stats_.sent++;
    describe(tx.bytes, true, src, ci.initiator);
    if (link(ci.initiator, ci.acceptor).conn != tx.reply_conn_id) {
      // That connection is gone; the reply is lost with it.
      stats_.dropped_stale_conn++;
      return;
    }
    send_bytes(src, ci.initiator, tx.reply_conn_id, tx.bytes);
    return;
  }
  int dst = node_of_url(tx.url);
  if (tx.url.empty()) dst = tx.node_id;
  if (dst < 1 || dst > cfg_.n) {
    violation("node " + std::to_string(src) + " sent to unknown url '" + tx.url + "' (node " +
              std::to_string(tx.node_id) + ")");
    return;
  }
  if (tx.node_id != 0 && tx.node_id != dst)
    violation("node " + std::to_string(src) + " transmit node_id " + std::to_string(tx.node_id) +
              " does not match url " + tx.url);
  if (dst == src) {
    violation("node " + std::to_string(src) + " sent a packet to itself");
    return;
  }
  stats_.sent++;
  describe(tx.bytes, true, src, dst);
  Link& L = link(src, dst);
  uint64_t conn = L.conn;
  if (conn == 0) conn = new_conn(src, dst);
  send_bytes(src, dst, conn, tx.bytes);
}

void Sim::send_bytes(int src, int dst, uint64_t conn, std::vector<uint8_t> bytes) {
  Link& L = link(src, dst);
  auto tr = [&](const char* what) {
    if (trace_) {
      std::string d = describe(bytes, false);
      std::fprintf(stderr, "[%lld] %s %d->%d %s\n", static_cast<long long>(now_ - cfg_.start_ms),
                   what, src, dst, d.c_str());
    }
  };
  if (L.block > 0) {
    L.dropped_while_blocked = true;
    stats_.dropped_blocked++;
    tr("drop(blocked)");
    return;
  }
  if (now_ < L.broken_until) {
    stats_.dropped_broken++;
    tr("drop(broken)");
    return;
  }
  const uint32_t loss = std::max(L.loss_ppm, global_loss_ppm_);
  if (loss > 0 && rng_.chance_ppm(loss)) {
    stats_.dropped_loss++;
    tr("drop(loss)");
    const int64_t rtt = L.latency + link(dst, src).latency;
    L.broken_until = now_ + rtt;
    // The connection carrying it is dead; the next write opens a new one.
    auto ci = conns_.find(conn);
    if (ci != conns_.end()) {
      Link& owner = link(ci->second.initiator, ci->second.acceptor);
      if (owner.conn == conn) owner.conn = 0;
    }
    notify(src, Kind::kReset, dst, now_ + rtt);
    notify(dst, Kind::kReset, src, now_ + L.latency);
    return;
  }
  int64_t delay = L.latency + L.clog_extra;
  if (cfg_.jitter_ms > 0) delay += rng_.range(0, cfg_.jitter_ms);
  const int64_t t = std::max(now_ + delay, L.last_delivery);
  L.last_delivery = t;
  tr("send");
  Item it;
  it.kind = Kind::kDeliver;
  it.node = dst;
  it.peer = src;
  it.incarnation = nodes_[dst].incarnation;
  it.node_was_alive = nodes_[dst].engine != nullptr;
  it.peer_incarnation = nodes_[src].incarnation;
  it.conn = conn;
  it.link_seq = ++L.send_seq;
  it.bytes = std::move(bytes);
  push(t, std::move(it));
}

void Sim::notify(int node, Kind kind, int peer, int64_t t) {
  if (!nodes_[node].engine) return;
  auto key = std::make_tuple(node, static_cast<int>(kind), peer);
  if (pending_notify_.count(key)) return;
  pending_notify_.insert(key);
  Item it;
  it.kind = kind;
  it.node = node;
  it.peer = peer;
  it.incarnation = nodes_[node].incarnation;
  push(t, std::move(it));
}

std::string Sim::describe(const std::vector<uint8_t>& bytes, bool count, int src, int dst) {
  if (!cfg_.decode_packets && !trace_ && !observer_) return {};
  auto p = wire::decode(std::span<const uint8_t>(bytes.data(), bytes.size()));
  if (!p) {
    if (count) violation("undecodable packet: " + p.error().to_string());
    return "<undecodable: " + p.error().to_string() + ">";
  }
  std::string name;
  std::string detail;
  std::visit(Overloaded{
                 [&](const wire::InternalMessage& m) {
                   name = std::string(wire::msg_type_name(wire::type_of(m.body)));
                   detail = "cl=" + std::to_string(m.cluster_id) +
                            " src=" + std::to_string(m.src_node_id);
                   if (!trace_) return;
                   std::visit(Overloaded{
                                  [&](const wire::Ping& b) {
                                    detail += " req_list=" + std::to_string(b.req_node_list);
                                  },
                                  [&](const wire::Pong& b) { detail += " ids=" + join_ids(b.node_ids); },
                                  [&](const wire::LsUpdate& b) {
                                    detail += " seq=" + std::to_string(b.seq_no) + " neigh=" +
                                              std::to_string(b.neigh_id) +
                                              (b.new_state == wire::kWireLinkUp ? " UP" : " DOWN") +
                                              " path=" + join_ids(b.path);
                                  },
                                  [&](const wire::FullTopUpdate& b) {
                                    detail += " seq=" + std::to_string(b.seq_no) + " [";
                                    for (const auto& e : b.entries)
                                      detail += std::to_string(e.node_id) + ":" + join_ids(e.neighbours) +
                                                (e.descr ? "+d" : "") + " ";
                                    detail += "] path=" + join_ids(b.path);
                                  },
                                  [&](const wire::NodeDescription& b) {
                                    detail += " url=" + b.descr.url + " path=" + join_ids(b.path);
                                  },
                                  [&](const wire::CapUpdate& b) {
                                    detail += " seq=" + std::to_string(b.seq_no) +
                                              " rr=" + std::to_string(b.require_reply) +
                                              " path=" + join_ids(b.path);
                                  },
                                  [&](const auto&) {},
                              },
                              m.body);
                 },
                 [&](const wire::ExtraMessage& m) {
                   name = std::string(wire::msg_type_name(wire::type_of(m.body)));
                   detail = "cl=" + std::to_string(m.trailer.cluster_id) +
                            " src=" + std::to_string(m.trailer.src_node_id) +
                            " dst=" + std::to_string(m.trailer.dst_node_id);
                   if (auto* g = std::get_if<wire::GenericMsg>(&m.body)) detail += " tag=" + g->tag;
                 },
                 [&](const wire::ModulePacket& m) {
                   name = "module:" + m.capability;
                   detail = "cl=" + std::to_string(m.trailer.cluster_id) +
                            " src=" + std::to_string(m.trailer.src_node_id) +
                            " dst=" + std::to_string(m.trailer.dst_node_id);
                 },
             },
             *p);
  if (count) {
    stats_.by_type[name]++;
    if (observer_) observer_(now_, src, dst, *p);
  }
  return name + " " + detail;
}

// ---- faults ----

void Sim::block(int from, int to) {
  check_node(from);
  check_node(to);
  link(from, to).block++;
}

void Sim::unblock(int from, int to) {
  check_node(from);
  check_node(to);
  Link& L = link(from, to);
  if (L.block == 0) return;
  if (--L.block > 0) return;
  if (L.dropped_while_blocked) {
    // The connection did not survive what it swallowed.
    L.dropped_while_blocked = false;
    if (L.conn) L.conn = 0;
    notify(from, Kind::kReset, to, now_);
    notify(to, Kind::kReset, from, now_);
  }
}

void Sim::cut(int a, int b) {
  block(a, b);
  block(b, a);
}
void Sim::heal(int a, int b) {
  unblock(a, b);
  unblock(b, a);
}

void Sim::partition(const std::vector<int>& a, const std::vector<int>& b) {
  for (int x : a)
    for (int y : b)
      if (x != y) cut(x, y);
}
void Sim::heal_partition(const std::vector<int>& a, const std::vector<int>& b) {
  for (int x : a)
    for (int y : b)
      if (x != y) heal(x, y);
}

void Sim::clog(int from, int to, int64_t extra_ms) {
  check_node(from);
  check_node(to);
  link(from, to).clog_extra += extra_ms;
}
void Sim::unclog(int from, int to, int64_t extra_ms) {
  check_node(from);
  check_node(to);
  Link& L = link(from, to);
  L.clog_extra = std::max<int64_t>(0, L.clog_extra - extra_ms);
}

void Sim::set_loss(int from, int to, uint32_t ppm) {
  check_node(from);
  check_node(to);
  link(from, to).loss_ppm = ppm;
}

void Sim::crash(int n) {
  check_node(n);
  Node& nd = nodes_[n];
  if (!nd.engine) return;
  if (trace_)
    std::fprintf(stderr, "[%lld] CRASH %d\n", static_cast<long long>(now_ - cfg_.start_ms), n);
  nd.engine.reset();
  nd.incarnation++;
  nd.paused = false;
  for (uint64_t id : nd.backlog) items_.erase(id);
  nd.backlog.clear();
  nd.pushed_deadline = -1;
  for (int p = 1; p <= cfg_.n; ++p) {
    if (p == n) continue;
    link(n, p).conn = 0;
    link(p, n).conn = 0;
  }
}

void Sim::restart(int n) {
  check_node(n);
  if (nodes_[n].engine) return;
  if (trace_)
    std::fprintf(stderr, "[%lld] RESTART %d\n", static_cast<long long>(now_ - cfg_.start_ms), n);
  create_engine(n);
}

void Sim::pause(int n) {
  check_node(n);
  Node& nd = nodes_[n];
  if (!nd.engine || nd.paused) return;
  if (trace_)
    std::fprintf(stderr, "[%lld] PAUSE %d\n", static_cast<long long>(now_ - cfg_.start_ms), n);
  nd.paused = true;
}

void Sim::resume(int n) {
  check_node(n);
  Node& nd = nodes_[n];
  if (!nd.engine || !nd.paused) return;
  if (trace_)
    std::fprintf(stderr, "[%lld] RESUME %d (backlog %zu)\n",
                 static_cast<long long>(now_ - cfg_.start_ms), n, nd.backlog.size());
  nd.paused = false;
  std::vector<uint64_t> backlog;
  backlog.swap(nd.backlog);
  for (std::size_t i = 0; i < backlog.size(); ++i) {
    auto it = items_.find(backlog[i]);
    if (it == items_.end()) continue;
    if (nd.engine && !nd.paused) dispatch(it->second);  // references survive rehashing
    items_.erase(backlog[i]);
    if (!nd.engine) {  // crashed from inside (cannot happen today), drop the rest
      for (std::size_t j = i + 1; j < backlog.size(); ++j) items_.erase(backlog[j]);
      return;
    }
  }
  nd.pushed_deadline = -1;
  if (nd.engine->next_deadline_ms() <= now_) {
    stats_.ticks++;
    nd.engine->on_tick(now());
    after(n);
  } else {
    schedule_tick(n);
  }
}

// ---- observations ----

std::optional<bool> Sim::last_state(int n, int peer) const {
  check_node(n);
  const Node& nd = nodes_[n];
  std::optional<bool> r;
  for (const auto& rec : nd.log) {
    if (rec.incarnation != nd.incarnation) continue;
    if (auto* e = std::get_if<core::NodeStateChanged>(&rec.ev))
      if (e->node_id == peer && e->cluster_id == cfg_.cluster_id) r = e->up;
  }
  return r;
}

int Sim::count_state(int n, int peer, bool up, int64_t since) const {
  check_node(n);
  const Node& nd = nodes_[n];
  int c = 0;
  for (const auto& rec : nd.log) {
    if (rec.incarnation != nd.incarnation || rec.t < since) continue;
    if (auto* e = std::get_if<core::NodeStateChanged>(&rec.ev))
      if (e->node_id == peer && e->up == up) ++c;
  }
  return c;
}

int Sim::count_generic(int n, const std::string& tag) const {
  check_node(n);
  int c = 0;
  for (const auto& rec : nodes_[n].log)
    if (auto* e = std::get_if<core::GenericReceived>(&rec.ev))
      if (e->tag == tag) ++c;
  return c;
}

int Sim::count_generic_anywhere(const std::string& tag) const {
  int c = 0;
  for (int n = 1; n <= cfg_.n; ++n) c += count_generic(n, tag);
  return c;
}

std::optional<core::NodeView> Sim::view(int n, int peer) const {
  if (!alive(n)) return std::nullopt;
  for (const auto& cv : engine(n).list()) {
    if (cv.cluster_id != cfg_.cluster_id) continue;
    for (const auto& nv : cv.nodes)
      if (nv.node_id == peer) return nv;
  }
  return std::nullopt;
}

std::string Sim::link_label(int n, int peer) const {
  auto v = view(n, peer);
  if (!v) return "?";
  return std::string(core::link_state_label(v->link_state));
}

std::string Sim::summary() const {
  std::ostringstream os;
  os << "t=" << (now_ - cfg_.start_ms) << "ms sent=" << stats_.sent
     << " delivered=" << stats_.delivered << " lost=" << stats_.dropped_loss
     << " blocked=" << stats_.dropped_blocked << " broken=" << stats_.dropped_broken
     << " dead=" << stats_.dropped_dead << " resets=" << stats_.resets
     << " send_failed=" << stats_.send_failed << " ticks=" << stats_.ticks;
  for (const auto& [k, v] : stats_.by_type) os << " " << k << "=" << v;
  return os.str();
}

std::string Sim::dump() const {
  std::ostringstream os;
  for (int n = 1; n <= cfg_.n; ++n) {
    const Node& nd = nodes_[n];
    os << "node " << n << (nd.engine ? "" : " (crashed)") << (nd.paused ? " (paused)" : "")
       << " incarnation " << nd.incarnation << " started " << (nd.started_at - cfg_.start_ms)
       << "ms\n";
    if (nd.engine) {
      for (const auto& cv : nd.engine->list()) {
        for (const auto& nv : cv.nodes) {
          os << "   peer " << nv.node_id << " link=" << core::link_state_name(nv.link_state)
             << (nv.enabled ? "" : " disabled") << " next_hop="
             << (nv.next_hop ? std::to_string(*nv.next_hop) : "none") << "\n";
        }
      }
      for (const auto& [cl, entries] : nd.engine->topology()) {
        os << "   topology:";
        for (const auto& e : entries) {
          os << " " << e.node_id << "->{";
          for (std::size_t i = 0; i < e.neighbours.size(); ++i)
            os << (i ? "," : "") << e.neighbours[i];
          os << "}";
        }
        os << "\n";
      }
    }
    int shown = 0;
    for (auto it = nd.log.rbegin(); it != nd.log.rend() && shown < 12; ++it) {
      if (std::holds_alternative<core::NodeStateChanged>(it->ev)) {
        os << "   [" << (it->t - cfg_.start_ms) << "ms inc " << it->incarnation << "] "
           << event_to_string(it->ev) << "\n";
        ++shown;
      }
    }
  }
  return os.str();
}

SimConfig quick_config(int n, uint64_t seed) {
  SimConfig c;
  c.n = n;
  c.seed = seed;
  c.min_latency_ms = 1;
  c.max_latency_ms = 5;
  c.base.ping_interval_s = 1;
  c.base.ping_timeout_ms = 500;
  c.base.node_timeout_s = 3;
  return c;
}

std::optional<uint64_t> env_u64(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::strtoull(v, nullptr, 10);
}

}  // namespace lc::sim
