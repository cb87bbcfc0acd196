// The replicated KV cache (cachedb-local-repl) between in-process nodes on
// loopback (docs/benchmarks.md, "KV cache"):
//
//  sync  A donor holding N keys (32 B keys, 100 B values, collection
//        default/r) and a fresh joining node: the joiner requests the sync
//        and the clock runs until its store holds all N keys (the sync's
//        chunks applied, counted by the cache's change callback); then the
//        bench checks the capability is "synced". Beside it, a raw loopback
//        TCP copy of as many bytes as the joiner received during the sync
//        (asio, two io_context threads, 32 KiB writes: the engine's
//        sync_packet_size), in the same run.
//  put   Node 1 puts N keys of the same shape through the Kv facade; nodes 2
//        and 3 count the replicated inserts. Two callers: an application
//        thread (one put per call; each put's broadcast is one
//        Runtime::call), and batches of 256 puts run on node 1's loop thread.
//        At most `window` puts in flight (put but not yet counted by both
//        receivers), as send_to_bench does, to stay under the runtime's
//        per-connection queue bound.
//
// Each node is a real lc::runtime::Runtime (asio loop, BIN listener, engine,
// dispatch_jobs=1 as clusterd) with a kv::Kv attached through
// kv::RuntimeLink, on its own thread and free 127.0.0.1 port. Every wait is
// bounded; the program binds only 127.0.0.1 and stops by itself.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libcluster/kv/kv.h"
#include "libcluster/kv/runtime_link.h"
#include "libcluster/runtime/runtime.h"
#include "polling.h"

namespace {

using lc::test::free_port;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using asio::ip::tcp;

constexpr int32_t kCluster = 1;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kValueBytes = 100;
constexpr const char* kCollection = "default";
// One sync of the default 1M keys takes seconds; past sync_timeout (15 s)
// the joiner would ask again, which is a failure here.
constexpr auto kSyncLimit = 60s;
constexpr auto kPutLimit = 120s;
constexpr auto kUpLimit = 10s;
constexpr std::size_t kRawWriteBytes = 32768;  // core::Config::sync_packet_size

struct Params {
  uint64_t sync_keys = 1'000'000;
  uint64_t puts = 200'000;
  uint64_t window = 1024;
  uint64_t chunk = 256;
  int reps = 3;
  std::string only;  // sync or put
  // Runtime Options::max_queued_bytes_per_connection; 0: the runtime's
  // default (8 MiB), what clusterd runs with.
  uint64_t queue_mib = 0;
};

std::string key_of(const std::string& prefix, uint64_t i) {
  std::string k = prefix + std::to_string(i);
  k.insert(prefix.size(), kKeyBytes - std::min(kKeyBytes, k.size()), '0');  // zero-padded to 32 B
  return k;
}

std::string value_of(uint64_t i) {
  std::string v(kValueBytes, 'v');
  const std::string n = std::to_string(i);
  std::memcpy(v.data(), n.data(), std::min(n.size(), v.size()));
  return v;
}

int64_t uptime_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

// A level that only rises (changes counted, or keys stored), and a wait
// for it to reach a value.
class ChangeCounter {
 public:
  void add() { signal(count_.fetch_add(1, std::memory_order_relaxed) + 1); }
  // The level is at least n now (any thread).
  void observe(uint64_t n) {
    uint64_t cur = count_.load();
    while (cur < n && !count_.compare_exchange_weak(cur, n)) {
    }
    if (cur < n) signal(n);
  }
  void reset(uint64_t target) {
    std::lock_guard lock(mu_);
    count_.store(0);
    target_.store(target);
  }
  bool wait_at_least(uint64_t n, Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return count_.load() >= n; });
  }
  uint64_t count() const { return count_.load(); }
  Clock::time_point done_at() {
    std::lock_guard lock(mu_);
    return done_at_;
  }

 private:
  // Wakes the waiter every 256 steps and at the target.
  void signal(uint64_t n) {
    const uint64_t target = target_.load();
    if (n % 256 != 0 && n != target) return;
    std::lock_guard lock(mu_);
    if (n == target) done_at_ = Clock::now();
    cv_.notify_all();
  }

  std::atomic<uint64_t> count_{0}, target_{0};
  Clock::time_point done_at_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// A runtime with the cache attached.
class KvNode {
 public:
  struct Spec {
    int32_t id = 0;
    uint16_t port = 0;
    std::vector<std::pair<int32_t, uint16_t>> peers;
    bool seed = false;
    lc::kv::Persistency persistency = lc::kv::Persistency::kNone;
    lc::kv::ChangeCause counted = lc::kv::ChangeCause::kReplication;
    // The level is the store's size (a sync: a repeated chunk must not
    // count twice) instead of the number of changes.
    bool level_is_size = false;
    uint64_t queue_mib = 0;  // Params::queue_mib
  };

  explicit KvNode(const Spec& s) : id_(s.id) {
    lc::core::Config cfg;
    cfg.my_node_id = s.id;
    cfg.db_mode = false;
    lc::core::ClusterSpec cs;
    cs.cluster_id = kCluster;
    cs.local.node_id = s.id;
    cs.local.url = "bin:127.0.0.1:" + std::to_string(s.port);
    if (s.seed) cs.local.flags = "seed";
    for (auto [id, port] : s.peers) {
      lc::core::NodeInfo n;
      n.node_id = id;
      n.url = "bin:127.0.0.1:" + std::to_string(port);
      cs.nodes.push_back(n);
    }
    if (auto err = lc::core::Engine::validate(cfg, {cs})) error_ = *err;
    lc::runtime::Options opts;
    opts.listeners.push_back({"127.0.0.1", s.port});
    if (s.queue_mib > 0) opts.max_queued_bytes_per_connection = s.queue_mib << 20;
    rt_ = std::make_unique<lc::runtime::Runtime>(
        lc::core::Engine(cfg, {cs}, lc::runtime::clock_now()), opts);
    link_ = std::make_unique<lc::kv::RuntimeLink>(*rt_, kCluster);
    cache_ = std::make_unique<lc::kv::Kv>(options(s.persistency), uptime_s, log_line, link_.get());
    cache_->set_on_change([this, counted = s.counted, by_size = s.level_is_size](
                              const lc::kv::Change& c) {
      if (c.cause != counted) return;
      if (by_size)
        changes_.observe(cache_->store().size());
      else
        changes_.add();
    });
  }
  ~KvNode() { stop(); }

  bool start() {
    if (!error_.empty()) return false;
    if (auto err = lc::kv::attach(*rt_, *cache_)) return fail(*err);
    if (auto err = rt_->start()) return fail(*err);
    thread_ = std::thread([this] { rt_->run(); });
    return true;
  }
  void stop() {
    if (!thread_.joinable()) return;
    rt_->stop();
    thread_.join();
  }
  bool up(int32_t peer) {
    return rt_->call([&](lc::core::Engine& e, lc::core::Now) {
      return e.get_next_hop(kCluster, peer).has_value();
    });
  }
  std::optional<lc::core::CapStatus> cap_status() {
    return rt_->call([](lc::core::Engine& e, lc::core::Now) -> std::optional<lc::core::CapStatus> {
      auto cap = e.capability_named(lc::kv::kCapability);
      if (!cap) return std::nullopt;
      return cap->status;
    });
  }
  lc::kv::Kv& cache() { return *cache_; }
  lc::runtime::Runtime& rt() { return *rt_; }
  ChangeCounter& changes() { return changes_; }
  const std::string& error() const { return error_; }

 private:
  static lc::kv::KvOptions options(lc::kv::Persistency p) {
    lc::kv::KvOptions o;
    o.collections = *lc::kv::build_collections({std::string(kCollection) + "/r"});
    o.urls = *lc::kv::build_urls({}, o.collections);
    o.cluster_id = kCluster;
    o.persistency = p;
    return o;
  }
  static void log_line(lc::kv::LogLevel level, std::string_view text) {
    if (level >= lc::kv::LogLevel::kWarning)
      std::fprintf(stderr, "kv: %.*s\n", static_cast<int>(text.size()), text.data());
  }
  bool fail(std::string e) {
    error_ = std::move(e);
    return false;
  }

  int32_t id_;
  std::string error_;
  std::unique_ptr<lc::runtime::Runtime> rt_;
  std::unique_ptr<lc::kv::RuntimeLink> link_;
  std::unique_ptr<lc::kv::Kv> cache_;
  ChangeCounter changes_;
  std::thread thread_;
};

bool wait_up(KvNode& a, int32_t a_id, KvNode& b, int32_t b_id) {
  return lc::test::wait_for([&] { return a.up(b_id) && b.up(a_id); }, kUpLimit).has_value();
}

struct Sample {
  bool ok = false;
  double seconds = 0;
  uint64_t wire_bytes = 0;
  std::string error;
};

struct Stats {
  std::vector<double> seconds;
  uint64_t wire_bytes = 0;
  std::string error;
  bool ok() const { return error.empty() && !seconds.empty(); }
  double median() const {
    auto s = seconds;
    std::sort(s.begin(), s.end());
    return s[s.size() / 2];
  }
  double best() const { return *std::min_element(seconds.begin(), seconds.end()); }
  void add(const Sample& s) {
    if (!error.empty()) return;
    if (!s.ok) {
      error = s.error;
      return;
    }
    seconds.push_back(s.seconds);
    wire_bytes = std::max(wire_bytes, s.wire_bytes);
  }
};

// ------------------------------------------------------------------ raw TCP

// Copies `bytes` from one asio thread to another over loopback TCP, in
// kRawWriteBytes writes; the time from the first write to the last byte read.
Sample raw_copy(uint64_t bytes) {
  Sample s;
  asio::io_context tx_io, rx_io;
  tcp::acceptor acceptor(rx_io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  tcp::socket tx(tx_io), rx(rx_io);
  tx.connect(acceptor.local_endpoint());
  acceptor.accept(rx);
  tx.set_option(tcp::no_delay(true));
  rx.set_option(tcp::no_delay(true));
  const std::vector<uint8_t> block(kRawWriteBytes, 0x5a);
  std::vector<uint8_t> rbuf(65536);
  uint64_t written = 0, read = 0;
  Clock::time_point done;
  std::function<void()> write_next = [&] {
    if (written >= bytes) return;
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(block.size(), bytes - written));
    asio::async_write(tx, asio::buffer(block.data(), n), [&](const asio::error_code& ec, std::size_t w) {
      if (ec) return;
      written += w;
      write_next();
    });
  };
  std::function<void()> read_next = [&] {
    rx.async_read_some(asio::buffer(rbuf), [&](const asio::error_code& ec, std::size_t n) {
      if (ec) return;
      read += n;
      if (read >= bytes) {
        done = Clock::now();
        return;
      }
      read_next();
    });
  };
  read_next();
  const auto t0 = Clock::now();
  std::thread rx_thread([&] { rx_io.run_for(kSyncLimit); });
  write_next();
  tx_io.run_for(kSyncLimit);
  rx_thread.join();
  if (read < bytes) {
    s.error = "raw copy stalled at " + std::to_string(read) + " of " + std::to_string(bytes) + " bytes";
    return s;
  }
  s.ok = true;
  s.seconds = std::chrono::duration<double>(done - t0).count();
  s.wire_bytes = bytes;
  return s;
}

// ------------------------------------------------------------------ sync

// The donor's keys, restored as from a persist file: no broadcast, no change
// reported.
void fill_donor(KvNode& donor, uint64_t keys) {
  std::vector<lc::kv::Record> records;
  records.reserve(keys);
  for (uint64_t i = 0; i < keys; ++i)
    records.push_back({kCollection, key_of("k", i), value_of(i), 0});
  donor.cache().restore(records);
}

// One sync to a fresh joiner `id` (listed in the donor's peers, port `port`).
Sample sync_once(KvNode& donor, int32_t id, uint16_t port, uint16_t donor_port, uint64_t keys,
                 uint64_t queue_mib) {
  Sample s;
  KvNode::Spec spec{.id = id, .port = port, .peers = {{1, donor_port}}, .seed = false,
                    .persistency = lc::kv::Persistency::kNone,
                    .counted = lc::kv::ChangeCause::kSync, .level_is_size = true,
                    .queue_mib = queue_mib};
  KvNode joiner(spec);
  joiner.changes().reset(keys);
  if (!joiner.start()) {
    s.error = "joiner: " + joiner.error();
    return s;
  }
  if (!wait_up(donor, 1, joiner, id)) {
    s.error = "the joiner's link did not come Up";
    return s;
  }
  // Time for the capability advertisements to cross, so that the request
  // finds the donor at once.
  std::this_thread::sleep_for(300ms);
  const uint64_t bytes_before = joiner.rt().counters().bytes_in;
  const auto t0 = Clock::now();
  joiner.rt().call([](lc::core::Engine& e, lc::core::Now now) {
    e.request_sync(now, kCluster, lc::kv::kCapability);
  });
  if (!joiner.changes().wait_at_least(keys, t0 + kSyncLimit)) {
    s.error = "sync stalled: " + std::to_string(joiner.changes().count()) + " of " +
              std::to_string(keys) + " keys stored within " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kSyncLimit).count()) +
              " s";
    return s;
  }
  const auto t1 = joiner.changes().done_at();
  const bool synced = lc::test::wait_for(
      [&] { return joiner.cap_status() == lc::core::CapStatus::kSynced; }, 10s).has_value();
  if (!synced || joiner.cache().store().size() != keys) {
    s.error = "after the data: capability " +
              std::string(synced ? "synced" : "not synced") + ", " +
              std::to_string(joiner.cache().store().size()) + " keys stored";
    return s;
  }
  s.wire_bytes = joiner.rt().counters().bytes_in - bytes_before;
  s.seconds = std::chrono::duration<double>(t1 - t0).count();
  s.ok = true;
  return s;
}

void print_sync_row(const char* what, const Stats& st, uint64_t keys) {
  if (!st.ok()) {
    std::printf("| %-34s | %s\n", what, st.error.empty() ? "not run" : ("FAILED: " + st.error).c_str());
    return;
  }
  const double payload_mb = static_cast<double>(keys * (kKeyBytes + kValueBytes)) / 1e6;
  const double wire_mb = static_cast<double>(st.wire_bytes) / 1e6;
  std::printf("| %-34s | %7.2f | %7.2f | %8.1f | %8.1f | %8.1f | %10.0f |\n", what, st.median(),
              st.best(), wire_mb, wire_mb / st.median(), payload_mb / st.median(),
              static_cast<double>(keys) / st.median());
}

int run_sync(const Params& p) {
  std::printf("full sync: %llu keys (%zu B keys, %zu B values), %d runs, fresh joiner each run,\n"
              "per-connection send queue bound %s\n",
              static_cast<unsigned long long>(p.sync_keys), kKeyBytes, kValueBytes, p.reps,
              p.queue_mib ? (std::to_string(p.queue_mib) + " MiB").c_str() : "8 MiB (default)");
  const uint16_t donor_port = free_port();
  std::vector<uint16_t> joiner_ports;
  KvNode::Spec donor_spec{.id = 1, .port = donor_port, .peers = {}, .seed = true,
                          .queue_mib = p.queue_mib};
  for (int r = 0; r < p.reps; ++r) {
    joiner_ports.push_back(free_port());
    donor_spec.peers.emplace_back(2 + r, joiner_ports.back());
  }
  KvNode donor(donor_spec);
  const auto f0 = Clock::now();
  fill_donor(donor, p.sync_keys);
  std::printf("(donor filled in %.2f s)\n\n",
              std::chrono::duration<double>(Clock::now() - f0).count());
  if (!donor.start()) {
    std::printf("donor: %s\n", donor.error().c_str());
    return 1;
  }
  std::printf("| %-34s | %7s | %7s | %8s | %8s | %8s | %10s |\n", "case", "s med", "s best",
              "wire MB", "wire MB/s", "data MB/s", "keys/s");
  std::printf("|------------------------------------|---------|---------|----------|----------|"
              "----------|------------|\n");
  Stats sync, raw;
  for (int r = 0; r < p.reps; ++r) {  // interleaved
    const Sample s = sync_once(donor, 2 + r, joiner_ports[r], donor_port, p.sync_keys, p.queue_mib);
    sync.add(s);
    if (s.ok) raw.add(raw_copy(s.wire_bytes));
  }
  print_sync_row("raw TCP copy of the sync's bytes", raw, p.sync_keys);
  print_sync_row("kv full sync, donor -> joiner", sync, p.sync_keys);
  std::printf("(data = keys + values, %zu B a key; wire = bytes the joiner received)\n\n",
              kKeyBytes + kValueBytes);
  donor.stop();
  return sync.ok() && raw.ok() ? 0 : 1;
}

// ------------------------------------------------------------------ put

struct Trio {
  std::unique_ptr<KvNode> n1, n2, n3;
  std::string error;

  explicit Trio(uint64_t queue_mib) {
    const std::array<uint16_t, 3> ports = {free_port(), free_port(), free_port()};
    auto spec = [&](int32_t id) {
      KvNode::Spec s{.id = id, .port = ports[id - 1], .peers = {}, .seed = id == 1,
                     .queue_mib = queue_mib};
      for (int32_t peer = 1; peer <= 3; ++peer)
        if (peer != id) s.peers.emplace_back(peer, ports[peer - 1]);
      return s;
    };
    n1 = std::make_unique<KvNode>(spec(1));
    n2 = std::make_unique<KvNode>(spec(2));
    n3 = std::make_unique<KvNode>(spec(3));
  }
  bool start() {
    for (KvNode* n : {n1.get(), n2.get(), n3.get()})
      if (!n->start()) return fail(n->error());
    if (!wait_up(*n1, 1, *n2, 2) || !wait_up(*n1, 1, *n3, 3) || !wait_up(*n2, 2, *n3, 3))
      return fail("links did not come Up");
    std::this_thread::sleep_for(300ms);  // capability advertisements
    return true;
  }
  bool fail(std::string e) {
    error = std::move(e);
    return false;
  }
  uint64_t received() { return std::min(n2->changes().count(), n3->changes().count()); }
};

// N puts on node 1, `chunk` at a time, through `put_chunk(first, count)`.
template <class PutChunk>
Sample drive_puts(const Params& p, Trio& t, PutChunk&& put_chunk) {
  Sample s;
  t.n2->changes().reset(p.puts);
  t.n3->changes().reset(p.puts);
  const auto before = t.n1->rt().counters();
  const auto t0 = Clock::now();
  const auto deadline = t0 + kPutLimit;
  for (uint64_t sent = 0; sent < p.puts;) {
    const uint64_t c = std::min(p.chunk, p.puts - sent);
    const bool room = sent + c <= p.window ||
                      (t.n2->changes().wait_at_least(sent + c - p.window, deadline) &&
                       t.n3->changes().wait_at_least(sent + c - p.window, deadline));
    if (!room || !put_chunk(sent, c)) {
      s.error = "stalled or failed after " + std::to_string(sent) + " puts (" +
                std::to_string(t.received()) + " replicated to both)";
      return s;
    }
    sent += c;
  }
  if (!t.n2->changes().wait_at_least(p.puts, deadline) ||
      !t.n3->changes().wait_at_least(p.puts, deadline)) {
    s.error = "only " + std::to_string(t.received()) + " of " + std::to_string(p.puts) +
              " puts reached both nodes";
    return s;
  }
  const auto t1 = std::max(t.n2->changes().done_at(), t.n3->changes().done_at());
  if (t.n1->rt().counters().dropped_writes != before.dropped_writes) {
    s.error = "node 1 dropped writes";
    return s;
  }
  s.wire_bytes = t.n1->rt().counters().bytes_out - before.bytes_out;
  s.seconds = std::chrono::duration<double>(t1 - t0).count();
  s.ok = true;
  return s;
}

void print_put_row(const char* what, const Stats& st, uint64_t puts) {
  if (!st.ok()) {
    std::printf("| %-44s | FAILED: %s\n", what, st.error.c_str());
    return;
  }
  const double n = static_cast<double>(puts);
  std::printf("| %-44s | %10.0f | %10.0f | %8.0f | %7.3f |\n", what, n / st.median(),
              n / st.best(), static_cast<double>(st.wire_bytes) / n / 2, st.median());
}

int run_put(const Params& p) {
  std::printf("replicated puts: %llu per run from node 1 to nodes 2 and 3, window %llu, %d runs\n\n",
              static_cast<unsigned long long>(p.puts), static_cast<unsigned long long>(p.window),
              p.reps);
  Trio t(p.queue_mib);
  if (!t.start()) {
    std::printf("setup: %s\n", t.error.c_str());
    return 1;
  }
  std::printf("| %-44s | %10s | %10s | %8s | %7s |\n", "case", "puts/s med", "puts/s best",
              "wire B", "s med");
  std::printf("|----------------------------------------------|------------|------------|"
              "----------|---------|\n");
  Stats app, loop;
  int run = 0;
  auto prefix = [&] { return "p" + std::to_string(run) + "-"; };
  for (int r = 0; r < p.reps; ++r) {
    ++run;
    app.add(drive_puts(p, t, [&](uint64_t first, uint64_t count) {
      const std::string pre = prefix();
      for (uint64_t i = first; i < first + count; ++i)
        if (t.n1->cache().put(kCollection, key_of(pre, i), value_of(i), 0) != lc::kv::KvStatus::kOk)
          return false;
      return true;
    }));
    ++run;
    loop.add(drive_puts(p, t, [&](uint64_t first, uint64_t count) {
      const std::string pre = prefix();
      return t.n1->rt().call([&](lc::core::Engine&, lc::core::Now) {
        for (uint64_t i = first; i < first + count; ++i)
          if (t.n1->cache().put(kCollection, key_of(pre, i), value_of(i), 0) !=
              lc::kv::KvStatus::kOk)
            return false;
        return true;
      });
    }));
  }
  print_put_row("put from an application thread", app, p.puts);
  print_put_row("puts in batches of 256 on the loop thread", loop, p.puts);
  std::printf("(wire B = bytes node 1 sent per put and receiver)\n");
  return app.ok() && loop.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Params p;
  CLI::App app{"kv_bench: the replicated cache's full sync and replicated puts between real runtimes"};
  app.add_option("--sync-keys", p.sync_keys, "keys synced from a donor to a fresh joiner")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--puts", p.puts, "puts per run, replicated to 2 nodes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--window", p.window, "puts in flight at most (at least the chunk, 256)")
      ->check(CLI::Range(p.chunk, uint64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--reps", p.reps, "runs of each case")->check(CLI::Range(1, 100))->capture_default_str();
  app.add_option("--only", p.only, "that case alone")->check(CLI::IsMember({"sync", "put"}));
  app.add_option("--queue-mib", p.queue_mib,
                 "the runtime's per-connection send queue bound in MiB (default: the runtime's "
                 "8 MiB, as clusterd)");
  CLI11_PARSE(app, argc, argv);
  int failures = 0;
  if (p.only.empty() || p.only == "sync") failures += run_sync(p);
  if (p.only.empty() || p.only == "put") failures += run_put(p);
  return failures == 0 ? 0 : 1;
}
