// echo: N connections, each keeping K timestamped messages in flight against an echo server;
// every echo records its round trip and sends the next message on the same connection.
// Connections are spread over the loop threads; measurement starts once all are open.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "connection_tally.hpp"
#include "countdown.hpp"
#include "histogram.hpp"
#include "loop_threads.hpp"
#include "proc_sampler.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "sluice/client.hpp"

namespace sluice::bench {

namespace {

// Per-thread state: touched only from its own loop until LoopThreads::run returns.
struct EchoThread {
  sluice::Loop* loop = nullptr;
  std::vector<std::unique_ptr<sluice::Client>> clients;
  std::string payload;
  Histogram latency;  // nanoseconds
  ConnectionTally tally;
  std::uint64_t limit = 0;  // round trips for this thread; 0: until the duration ends
  std::uint64_t done = 0;
  std::uint64_t refused = 0;  // sends answered would_block or closed
  bool running = false;
  bool finished = false;
  bool ready = false;
  std::uint64_t end_ns = 0;
};

std::uint64_t share_of(std::uint64_t total, int parts, int index) {
  auto p = static_cast<std::uint64_t>(parts), i = static_cast<std::uint64_t>(index);
  return total / p + (i < total % p ? 1 : 0);
}

}  // namespace

int run_echo(const CommonOptions& common, const EchoOptions& o) {
  LoopThreads threads(std::min(common.threads, std::max(o.connections, 1)));
  const int n_threads = threads.size();
  std::vector<EchoThread> state(static_cast<std::size_t>(n_threads));
  std::atomic<std::uint64_t> start_ns{0};
  std::optional<ProcSample> server_start, server_end;
  const auto duration = std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000));

  auto finish = [](EchoThread& t, Countdown& done) {
    if (t.finished) return;
    t.finished = true;
    t.running = false;
    t.end_ns = now_ns();
    done.arrive();
    t.loop->stop();
  };
  Countdown all_done(n_threads, [&] {
    if (common.server_pid) server_end = sample_process(common.server_pid);
  });
  Countdown all_open(n_threads, [&] {
    if (common.server_pid) server_start = sample_process(common.server_pid);
    start_ns = now_ns();
    for (int i = 0; i < n_threads; ++i) {
      threads.loop(i).post([&, i] {
        EchoThread& t = state[static_cast<std::size_t>(i)];
        t.running = true;
        for (auto& c : t.clients) {
          for (int k = 0; k < o.inflight && c->is_open(); ++k) {
            stamp(t.payload, now_ns());
            sluice::SendStatus st = c->send(t.payload);
            if (st != sluice::SendStatus::sent && st != sluice::SendStatus::queued) ++t.refused;
          }
        }
        t.loop->after(duration, [&] { finish(t, all_done); });
      });
    }
  });

  auto maybe_ready = [&](EchoThread& t) {
    if (!t.ready && t.tally.settled()) {
      t.ready = true;
      all_open.arrive();
    }
  };

  threads.run([&](int i) {
    EchoThread& t = state[static_cast<std::size_t>(i)];
    t.loop = &threads.loop(i);
    t.payload = make_payload(o.size);
    t.tally.wanted = static_cast<int>(share_of(static_cast<std::uint64_t>(o.connections), n_threads, i));
    t.limit = share_of(o.messages, n_threads, i);
    // Setup (connect and handshake timeouts) plus the run, with room to spare.
    t.loop->after(duration + std::chrono::seconds(30), [&] { finish(t, all_done); });
    for (int c = 0; c < t.tally.wanted; ++c) {
      sluice::ClientBehaviors b;
      count_connection(b, t.tally, [&] { maybe_ready(t); });
      b.on_message = [&](sluice::ClientWebSocket ws, std::string_view data, sluice::Opcode) {
        if (!t.running) return;
        std::uint64_t now = now_ns();
        std::uint64_t sent_at = stamp_of(data);
        if (sent_at >= start_ns.load(std::memory_order_relaxed)) t.latency.record(now - sent_at);
        if (++t.done == t.limit) return finish(t, all_done);
        stamp(t.payload, now);
        sluice::SendStatus st = ws.send(t.payload);
        if (st != sluice::SendStatus::sent && st != sluice::SendStatus::queued) ++t.refused;
      };
      t.clients.push_back(
          std::make_unique<sluice::Client>(*t.loop, common.url, sluice::ClientOptions{}, std::move(b)));
      t.clients.back()->connect();
    }
    if (t.tally.wanted == 0) maybe_ready(t);
  });
  if (common.server_pid && !server_end) server_end = sample_process(common.server_pid);

  Histogram latency;
  std::uint64_t done = 0, refused = 0, last_end = 0;
  ConnectionTally tally;
  for (auto& t : state) {
    latency.merge(t.latency);
    done += t.done;
    refused += t.refused;
    tally += t.tally;
    last_end = std::max(last_end, t.end_ns);
  }
  double elapsed = start_ns > 0 && last_end > start_ns ? static_cast<double>(last_end - start_ns) / 1e9 : 0;
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;

  Report r("echo");
  r.json().add("url", common.url).add("connections", o.connections);
  tally.add_to(r.json());
  r.json()
      .add("size", static_cast<std::uint64_t>(o.size))
      .add("inflight", o.inflight)
      .add("threads", n_threads)
      .add("elapsed_s", elapsed)
      .add("messages", done)
      .add("send_refused", refused)
      .add("messages_per_s", rate);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "echo: %d/%d connections, %zu B, %d in flight: %llu round trips in %.2f s = %.0f msg/s",
                tally.opened, o.connections, o.size, o.inflight, static_cast<unsigned long long>(done),
                elapsed, rate);
  r.line(buf);
  if (tally.troubled() || refused > 0) {
    std::snprintf(buf, sizeof buf, "echo: %d failed to connect, %d closed early, %llu sends refused",
                  tally.failed, tally.closed_early, static_cast<unsigned long long>(refused));
    r.line(buf);
  }
  r.add_latency(latency, "round-trip");
  r.add_server_costs(server_start, server_end, done);
  r.print(common.json);
  return tally.opened > 0 && done > 0 ? 0 : 1;
}

}  // namespace sluice::bench
