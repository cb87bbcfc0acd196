// End-to-end throughput of the developers' API `send_to` between two nodes on
// loopback, beside a raw TCP ceiling measured by the same harness in the same
// run (docs/benchmarks.md, "send_to throughput").
//
// Each node is a real lc::runtime::Runtime (asio loop, BIN listener, engine)
// on its own thread, listening on its own free 127.0.0.1 port. Once the link
// is Up, the bench thread hands the sender's loop N module packets through
// Runtime::call, in chunks; the receiver's module handler counts them. The
// raw ceiling is one plain asio TCP connection between two io_context
// threads: the sender writes the same number of length-prefixed frames of
// the same payload size, handed over in the same chunks, queued and written
// the way the runtime writes (one buffer per message, gather writes); the
// receiver reads and counts frames.
//
// Flow control, identical for both: at most `window` messages are in flight
// (sent but not yet counted by the receiver); the bench thread blocks on a
// condition variable the receiver signals every `chunk` messages. This ack is
// an in-process signal, not a packet. The default window keeps the sender's
// queue far below the runtime's 8 MiB per-connection bound, past which
// packets are dropped; the sender counts a gather write in progress whole
// until it completes, so up to about twice the window: with 1 KiB messages a
// window above ~3,900 overflows it (a failure, "destination down", whatever
// the dispatch mode). With dispatch_jobs=1 a window above the receiver's
// Options::dispatch_queue_limit (1024 events) loses nothing: the receiver
// pauses reading while its worker's queue is full (docs/decisions.md N2);
// the pauses are reported under the table.
//
// Wall time runs from the first hand-over to the last receipt. Every wait is
// bounded; the program binds only 127.0.0.1 and stops by itself.
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libcluster/runtime/runtime.h"
#include "libcluster/wire/codec.h"
#include "polling.h"

namespace {

using lc::test::free_port;

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using asio::ip::tcp;

constexpr int32_t kCluster = 1;
constexpr int32_t kSender = 1;
constexpr int32_t kReceiver = 2;
constexpr const char* kModule = "bench";
// No single run may take longer than this (a stall means lost messages).
constexpr auto kRunLimit = 10s;

struct Params {
  uint64_t messages = 100000;
  uint64_t window = 1024;
  uint64_t chunk = 256;
  int reps = 5;
  std::string only;  // raw, jobs or inline: that case alone (profiling)
};

// The receiver's count, and the flow-control signal the sender waits on.
class Counter {
 public:
  void reset(uint64_t target, uint64_t notify_every) {
    std::lock_guard lock(mu_);
    received_.store(0);
    target_ = target;
    every_ = notify_every;
    done_ = false;
  }
  // Any thread (loop or worker).
  void add() {
    const uint64_t n = received_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n % every_ != 0 && n != target_) return;
    std::lock_guard lock(mu_);
    if (n == target_) {
      done_at_ = Clock::now();
      done_ = true;
    }
    cv_.notify_all();
  }
  // Waits until at least n messages arrived, or the deadline passed.
  bool wait_at_least(uint64_t n, Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return received_.load() >= n; });
  }
  uint64_t received() const { return received_.load(); }
  Clock::time_point done_at() {
    std::lock_guard lock(mu_);
    return done_at_;
  }

 private:
  std::atomic<uint64_t> received_{0};
  uint64_t target_ = 0, every_ = 1;
  bool done_ = false;
  Clock::time_point done_at_;
  std::mutex mu_;
  std::condition_variable cv_;
};

struct RunResult {
  bool ok = false;
  double seconds = 0;
  std::string error;
};

// The common driver: hands `p.messages` messages over in chunks, keeping at
// most `p.window` in flight. send_chunk(count) must return once the chunk is
// queued on the sender's loop (false: a send failed).
template <class SendChunk>
RunResult drive(const Params& p, Counter& counter, SendChunk&& send_chunk) {
  RunResult r;
  counter.reset(p.messages, p.chunk);
  const auto deadline = Clock::now() + kRunLimit;
  const auto t0 = Clock::now();
  uint64_t sent = 0;
  while (sent < p.messages) {
    const uint64_t c = std::min(p.chunk, p.messages - sent);
    if (sent + c > p.window && !counter.wait_at_least(sent + c - p.window, deadline)) {
      r.error = "stalled: " + std::to_string(counter.received()) + " of " + std::to_string(sent) +
                " sent messages arrived (dropped writes or dispatches?)";
      return r;
    }
    if (!send_chunk(c)) {
      r.error = "send failed after " + std::to_string(sent) + " messages";
      return r;
    }
    sent += c;
  }
  if (!counter.wait_at_least(p.messages, deadline)) {
    r.error = "stalled: " + std::to_string(counter.received()) + " of " +
              std::to_string(p.messages) + " messages arrived (dropped writes or dispatches?)";
    return r;
  }
  r.seconds = std::chrono::duration<double>(counter.done_at() - t0).count();
  r.ok = true;
  return r;
}

// ------------------------------------------------------------------ raw TCP

// Plain asio TCP on loopback: frames are a 4-byte little-endian length and
// the payload.
class RawPair {
 public:
  explicit RawPair(Counter& counter) : counter_(counter) {}
  ~RawPair() { stop(); }

  bool start() {
    asio::error_code ec;
    tcp::acceptor acceptor(rx_io_);
    tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), 0);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(1, ec);
    if (ec) return fail("raw listen: " + ec.message());
    const auto port = acceptor.local_endpoint().port();
    tx_sock_.connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port), ec);
    if (ec) return fail("raw connect: " + ec.message());
    acceptor.accept(rx_sock_, ec);
    if (ec) return fail("raw accept: " + ec.message());
    tx_sock_.set_option(tcp::no_delay(true), ec);
    rx_sock_.set_option(tcp::no_delay(true), ec);
    read();
    tx_guard_.emplace(asio::make_work_guard(tx_io_));
    rx_guard_.emplace(asio::make_work_guard(rx_io_));
    tx_thread_ = std::thread([this] { tx_io_.run(); });
    rx_thread_ = std::thread([this] { rx_io_.run(); });
    return true;
  }

  void stop() {
    if (!tx_thread_.joinable()) return;
    asio::post(tx_io_, [this] {
      asio::error_code ec;
      tx_sock_.close(ec);
    });
    asio::post(rx_io_, [this] {
      asio::error_code ec;
      rx_sock_.close(ec);
    });
    tx_guard_.reset();
    rx_guard_.reset();
    tx_io_.stop();
    rx_io_.stop();
    tx_thread_.join();
    rx_thread_.join();
  }

  // Queues `count` frames on the sender's loop; returns once they are queued.
  bool send_chunk(uint64_t count, const std::vector<uint8_t>& payload) {
    std::promise<bool> done;
    auto fut = done.get_future();
    asio::post(tx_io_, [&] {
      for (uint64_t i = 0; i < count; ++i) {
        std::vector<uint8_t> frame(4 + payload.size());
        const uint32_t len = static_cast<uint32_t>(payload.size());
        frame[0] = len & 0xff;
        frame[1] = (len >> 8) & 0xff;
        frame[2] = (len >> 16) & 0xff;
        frame[3] = len >> 24;
        std::memcpy(frame.data() + 4, payload.data(), payload.size());
        queued_bytes_ += frame.size();
        queue_.push_back(std::move(frame));
      }
      write();
      done.set_value(!write_failed_);
    });
    return fut.get();
  }

  const std::string& error() const { return error_; }
  uint64_t bytes_written() const { return bytes_written_.load(); }

 private:
  bool fail(std::string e) {
    error_ = std::move(e);
    return false;
  }

  // Everything queued goes out in one gather write, as in the runtime.
  void write() {
    if (writing_ || queue_.empty() || write_failed_) return;
    writing_ = true;
    in_flight_.assign(std::make_move_iterator(queue_.begin()),
                      std::make_move_iterator(queue_.end()));
    queue_.clear();
    bufs_.clear();
    for (const auto& b : in_flight_) bufs_.emplace_back(asio::buffer(b));
    asio::async_write(tx_sock_, bufs_, [this](const asio::error_code& ec, std::size_t n) {
      writing_ = false;
      bytes_written_ += n;
      queued_bytes_ -= std::min(queued_bytes_, n);
      in_flight_.clear();
      if (ec) {
        write_failed_ = true;
        return;
      }
      write();
    });
  }

  // Counts complete frames; a frame may span reads.
  void read() {
    rx_sock_.async_read_some(asio::buffer(rbuf_), [this](const asio::error_code& ec,
                                                         std::size_t n) {
      if (ec) return;
      std::size_t i = 0;
      while (i < n) {
        if (header_have_ < 4) {
          header_[header_have_++] = rbuf_[i++];
          if (header_have_ == 4)
            body_left_ = header_[0] | header_[1] << 8 | header_[2] << 16 |
                         static_cast<uint32_t>(header_[3]) << 24;
        } else {
          const std::size_t take = std::min<std::size_t>(body_left_, n - i);
          i += take;
          body_left_ -= take;
        }
        if (header_have_ == 4 && body_left_ == 0) {
          header_have_ = 0;
          counter_.add();
        }
      }
      read();
    });
  }

  Counter& counter_;
  asio::io_context tx_io_, rx_io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> tx_guard_, rx_guard_;
  tcp::socket tx_sock_{tx_io_}, rx_sock_{rx_io_};
  std::thread tx_thread_, rx_thread_;
  std::string error_;
  // Sender loop only.
  std::deque<std::vector<uint8_t>> queue_;
  std::vector<std::vector<uint8_t>> in_flight_;
  std::vector<asio::const_buffer> bufs_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false, write_failed_ = false;
  std::atomic<uint64_t> bytes_written_{0};
  // Receiver loop only.
  std::array<uint8_t, 65536> rbuf_{};
  uint8_t header_[4] = {};
  int header_have_ = 0;
  uint32_t body_left_ = 0;
};

// ------------------------------------------------------------------ runtime

class Node {
 public:
  Node(int32_t id, uint16_t my_port, int32_t peer_id, uint16_t peer_port, bool dispatch_jobs,
       lc::runtime::ModuleHandler handler) {
    lc::core::Config cfg;
    cfg.my_node_id = id;
    cfg.db_mode = false;  // OpenSIPS defaults otherwise: ping 4 s, timeout 1 s
    lc::core::ClusterSpec spec;
    spec.cluster_id = kCluster;
    spec.local.node_id = id;
    spec.local.url = "bin:127.0.0.1:" + std::to_string(my_port);
    lc::core::NodeInfo peer;
    peer.node_id = peer_id;
    peer.url = "bin:127.0.0.1:" + std::to_string(peer_port);
    spec.nodes.push_back(peer);
    if (auto err = lc::core::Engine::validate(cfg, {spec})) error_ = *err;
    lc::runtime::Options opts;
    opts.listeners.push_back({"127.0.0.1", my_port});
    opts.dispatch_jobs = dispatch_jobs;
    rt_ = std::make_unique<lc::runtime::Runtime>(
        lc::core::Engine(cfg, {spec}, lc::runtime::clock_now()), opts);
    if (!rt_->register_module(kModule, {kCluster}, true, std::move(handler)))
      error_ = "register_module failed";
  }
  ~Node() { stop(); }

  bool start() {
    if (!error_.empty()) return false;
    if (auto err = rt_->start()) {
      error_ = *err;
      return false;
    }
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
  lc::runtime::Runtime& rt() { return *rt_; }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
  std::unique_ptr<lc::runtime::Runtime> rt_;
  std::thread thread_;
};

// Two nodes, the sender (1) and the receiver (2), linked and Up.
class NodePair {
 public:
  NodePair(Counter& counter, bool dispatch_jobs, std::size_t payload_size)
      : counter_(counter), payload_size_(payload_size) {
    const uint16_t p1 = free_port(), p2 = free_port();
    auto handler = [this](const lc::core::ModuleEvent& ev) {
      if (ev.kind != lc::core::ModuleEventKind::kRecvMsg || !ev.packet) return;
      if (ev.packet->body.size() != payload_size_) {
        bad_.fetch_add(1);
        return;
      }
      counter_.add();
    };
    sender_ = std::make_unique<Node>(kSender, p1, kReceiver, p2, dispatch_jobs,
                                     [](const lc::core::ModuleEvent&) {});
    receiver_ = std::make_unique<Node>(kReceiver, p2, kSender, p1, dispatch_jobs, handler);
  }

  bool start() {
    if (!sender_->start()) return fail("node 1: " + sender_->error());
    if (!receiver_->start()) return fail("node 2: " + receiver_->error());
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (sender_->up(kReceiver) && receiver_->up(kSender)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return fail("the link did not come Up within 10 s");
  }
  void stop() {
    sender_->stop();
    receiver_->stop();
  }

  // Hands `count` send_to calls to the sender's loop; the call returns once
  // the engine routed them and the runtime queued them on the connection.
  bool send_chunk(uint64_t count, const std::vector<uint8_t>& packet) {
    return sender_->rt().call([&](lc::core::Engine& e, lc::core::Now now) {
      for (uint64_t i = 0; i < count; ++i) {
        const auto r = e.send_to(now, kCluster, kReceiver, packet);
        if (r != lc::core::SendResult::kSuccess) {
          last_failure_ = r;
          return false;
        }
      }
      return true;
    });
  }
  // The result of the send_to that failed last (bench thread, after a failure).
  lc::core::SendResult last_failure() const { return last_failure_; }

  lc::runtime::Runtime::Counters sender_counters() { return sender_->rt().counters(); }
  lc::runtime::Runtime::Counters receiver_counters() { return receiver_->rt().counters(); }
  uint64_t bad() const { return bad_.load(); }
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string e) {
    error_ = std::move(e);
    return false;
  }
  Counter& counter_;
  std::size_t payload_size_;
  std::atomic<uint64_t> bad_{0};
  lc::core::SendResult last_failure_ = lc::core::SendResult::kSuccess;
  std::unique_ptr<Node> sender_, receiver_;
  std::string error_;
};

// ------------------------------------------------------------------ report

struct Stats {
  std::vector<double> seconds;
  double wire_bytes_per_msg = 0;
  // The receiver's backpressure over all runs (nodes only).
  uint64_t read_pauses = 0, read_paused_ms = 0, queue_peak = 0;
  bool ok = true;
  std::string error;
  double median() const {
    auto s = seconds;
    std::sort(s.begin(), s.end());
    return s.empty() ? 0 : s[s.size() / 2];
  }
  double best() const { return seconds.empty() ? 0 : *std::min_element(seconds.begin(), seconds.end()); }
};

void print_row(const char* what, std::size_t payload, const Params& p, const Stats& s,
               const Stats& raw) {
  if (!s.ok) {
    std::printf("| %-28s | %6zu | FAILED: %s\n", what, payload, s.error.c_str());
    return;
  }
  const double n = static_cast<double>(p.messages);
  const double med = s.median(), best = s.best();
  const double ratio = raw.ok && raw.median() > 0 ? raw.median() / med : 0;
  std::printf("| %-28s | %6zu | %8.0f | %10.0f | %10.0f | %8.1f | %8.1f | %6.2f | %6.1f%% |\n",
              what, payload, s.wire_bytes_per_msg, n / med, n / best, n * payload / med / 1e6,
              n * payload / best / 1e6, med * 1e3, 100.0 * ratio);
}

}  // namespace

int main(int argc, char** argv) {
  Params p;
  CLI::App app{"send_to_bench: send_to throughput between two runtimes, against raw TCP"};
  app.add_option("--messages", p.messages, "messages per run, and payload size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--window", p.window, "messages in flight at most (at least --chunk)")
      ->capture_default_str();
  app.add_option("--chunk", p.chunk, "messages handed over at a time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--reps", p.reps, "runs of each case, interleaved; medians and bests are printed")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--only", p.only, "that case alone (profiling)")
      ->check(CLI::IsMember({"raw", "jobs", "inline"}));
  CLI11_PARSE(app, argc, argv);
  if (p.window < p.chunk) {
    std::fprintf(stderr, "--window (%llu) must be at least --chunk (%llu)\n",
                 static_cast<unsigned long long>(p.window), static_cast<unsigned long long>(p.chunk));
    return 2;
  }

  std::printf("send_to throughput, %llu messages per run, window %llu, chunk %llu, %d runs each\n",
              static_cast<unsigned long long>(p.messages), static_cast<unsigned long long>(p.window),
              static_cast<unsigned long long>(p.chunk), p.reps);
  std::printf("(MB = 10^6 payload bytes; ratio = raw TCP median time / this median time)\n\n");
  std::printf("| %-28s | %6s | %8s | %10s | %10s | %8s | %8s | %6s | %7s |\n", "case", "bytes",
              "wire B", "msg/s med", "msg/s best", "MB/s med", "MB/s best", "ms med", "of raw");
  std::printf("|------------------------------|--------|----------|------------|------------|"
              "----------|----------|--------|---------|\n");

  int failures = 0;
  std::vector<std::string> notes;  // printed under the table
  for (std::size_t payload_size : {std::size_t{100}, std::size_t{1024}}) {
    std::vector<uint8_t> payload(payload_size);
    for (std::size_t i = 0; i < payload_size; ++i) payload[i] = static_cast<uint8_t>('a' + i % 26);
    const auto packet = lc::wire::encode_module_unrouted(kModule, 1, 1, payload);

    // One counter per case: a late message of a failed run cannot leak into
    // another case's count.
    Counter c_raw, c_jobs, c_inline;
    RawPair raw(c_raw);
    NodePair jobs(c_jobs, true, payload_size);
    NodePair inline_(c_inline, false, payload_size);
    Stats s_raw, s_jobs, s_inline;
    s_raw.wire_bytes_per_msg = 4.0 + static_cast<double>(payload_size);
    auto setup = [](Stats& s, bool ok, const std::string& err) {
      if (!ok) {
        s.ok = false;
        s.error = err;
      }
    };
    auto wanted = [&](const char* name) { return p.only.empty() || p.only == name; };
    if (wanted("raw")) setup(s_raw, raw.start(), raw.error());
    if (wanted("jobs")) setup(s_jobs, jobs.start(), jobs.error());
    if (wanted("inline")) setup(s_inline, inline_.start(), inline_.error());

    auto record = [&](Stats& s, const RunResult& r) {
      if (!s.ok) return;
      if (!r.ok) {
        s.ok = false;
        s.error = r.error;
        return;
      }
      s.seconds.push_back(r.seconds);
    };
    auto run_nodes = [&](NodePair& pair, Counter& counter, Stats& s) {
      if (!s.ok) return;
      const auto before = pair.sender_counters();
      const auto rx_before = pair.receiver_counters();
      auto r = drive(p, counter, [&](uint64_t c) { return pair.send_chunk(c, packet); });
      const auto rx_after = pair.receiver_counters();
      s.read_pauses += rx_after.read_pauses - rx_before.read_pauses;
      s.read_paused_ms += rx_after.read_paused_ms - rx_before.read_paused_ms;
      s.queue_peak = std::max(s.queue_peak, rx_after.dispatch_queue_peak);
      // Every message sent must have arrived intact.
      if (r.ok && pair.bad() != 0) {
        r.ok = false;
        r.error = std::to_string(pair.bad()) + " messages arrived with a wrong size";
      }
      const auto after = pair.sender_counters();
      if (r.ok && after.dropped_writes != before.dropped_writes) {
        r.ok = false;
        r.error = "the runtime dropped writes";
      }
      if (!r.ok)
        r.error += " (last send_to failure: " +
                   std::string(lc::core::send_result_name(pair.last_failure())) +
                   "; sender: " + std::to_string(after.dropped_writes - before.dropped_writes) +
                   " writes dropped, " + std::to_string(after.resets - before.resets) +
                   " connection resets; receiver: " +
                   std::to_string(rx_after.read_pauses - rx_before.read_pauses) + " read pauses, " +
                   std::to_string(rx_after.partial_timeouts - rx_before.partial_timeouts) +
                   " partial-packet timeouts)";
      // Heartbeats ride on the same connection; over a run they are noise.
      s.wire_bytes_per_msg =
          static_cast<double>(after.bytes_out - before.bytes_out) / static_cast<double>(p.messages);
      record(s, r);
    };

    // Interleaved, so that a burst of load from elsewhere hits every case.
    for (int rep = 0; rep < p.reps; ++rep) {
      if (s_raw.ok && wanted("raw"))
        record(s_raw, drive(p, c_raw, [&](uint64_t c) { return raw.send_chunk(c, payload); }));
      if (wanted("jobs")) run_nodes(jobs, c_jobs, s_jobs);
      if (wanted("inline")) run_nodes(inline_, c_inline, s_inline);
    }
    raw.stop();
    jobs.stop();
    inline_.stop();

    if (wanted("raw")) print_row("raw TCP (asio, same harness)", payload_size, p, s_raw, s_raw);
    if (wanted("jobs")) print_row("send_to, dispatch_jobs=1", payload_size, p, s_jobs, s_raw);
    if (wanted("inline")) print_row("send_to, dispatch_jobs=0", payload_size, p, s_inline, s_raw);
    std::fflush(stdout);
    if (wanted("jobs") && s_jobs.ok)
      notes.push_back("dispatch_jobs=1, " + std::to_string(payload_size) + " B: the receiver paused " +
                      "reading " + std::to_string(s_jobs.read_pauses) + " times, " +
                      std::to_string(s_jobs.read_paused_ms) + " ms in all over " +
                      std::to_string(s_jobs.seconds.size()) + " runs; longest worker queue " +
                      std::to_string(s_jobs.queue_peak) + " events");
    failures += !s_raw.ok + !s_jobs.ok + !s_inline.ok;
  }
  if (!notes.empty()) std::printf("\n");
  for (const auto& n : notes) std::printf("%s\n", n.c_str());
  return failures == 0 ? 0 : 1;
}
