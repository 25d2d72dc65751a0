// fanout: one publisher at a fixed rate on a broadcast URL and N subscribers on the same room;
// each subscriber records publish-to-receive latency from the timestamp in the payload. The
// publisher lives on thread 0 and ignores its own copies; subscribers are spread over threads.
// The publisher is a WebSocket client on the URL (a member of the room), or with --publish
// http one that POSTs each message to --publish-url. With --messages N the run ends once all N
// have reached every subscriber, which is what an instruction count of the server needs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "connection_tally.hpp"
#include "countdown.hpp"
#include "histogram.hpp"
#include "http_publisher.hpp"
#include "loop_threads.hpp"
#include "proc_sampler.hpp"
#include "publisher.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "sluice/client.hpp"

namespace sluice::bench {

namespace {

// Per-thread state: touched only from its own loop until LoopThreads::run returns.
struct FanoutThread {
  sluice::Loop* loop = nullptr;
  std::vector<std::unique_ptr<sluice::Client>> clients;
  Histogram latency;      // nanoseconds
  ConnectionTally tally;  // the publisher counts on thread 0
  std::uint64_t received = 0;
  bool counting = false;
  bool ready = false;
};

}  // namespace

int run_fanout(const CommonOptions& common, const FanoutOptions& o) {
  LoopThreads threads(std::min(common.threads, std::max(o.subscribers, 1)));
  const int n_threads = threads.size();
  std::vector<FanoutThread> state(static_cast<std::size_t>(n_threads));
  std::atomic<std::uint64_t> start_ns{0};
  std::atomic<std::uint64_t> last_receipt_ns{0};
  std::atomic<std::uint64_t> received_total{0};  // with --messages: what the run waits for
  const bool counted = o.messages > 0;
  const bool via_http = o.via == PublishVia::http;
  const std::string payload = make_payload(o.size, o.payload);
  sluice::ClientOptions subscriber_options;
  subscriber_options.compression = o.compression;
  std::optional<ProcSample> server_start, server_end;
  const auto duration = std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000));
  // Deliveries in flight when the publisher stops still arrive, but are not counted.
  const auto drain = std::chrono::milliseconds(300);
  std::unique_ptr<MessagePublisher> publisher;

  auto maybe_ready = [](FanoutThread& t, Countdown& gate) {
    if (!t.ready && t.tally.settled()) {
      t.ready = true;
      gate.arrive();
    }
  };
  // --messages: thread 0 looks every tick whether the publisher is done and every subscriber
  // has everything it sent, then ends the run on every thread.
  std::function<void()> watch_completion = [&] {
    const std::uint64_t done = publisher->sent() + publisher->skipped() + publisher->refused();
    const std::uint64_t expected = publisher->sent() * static_cast<std::uint64_t>(o.subscribers);
    if (done >= o.messages && received_total.load() >= expected) {
      if (common.server_pid) server_end = sample_process(common.server_pid);
      for (int i = 0; i < n_threads; ++i)
        threads.loop(i).post([&, i] { state[static_cast<std::size_t>(i)].loop->stop(); });
      return;
    }
    threads.loop(0).after(std::chrono::milliseconds(5), watch_completion);
  };
  Countdown all_open(n_threads, [&] {
    if (common.server_pid) server_start = sample_process(common.server_pid);
    start_ns = now_ns();
    for (int i = 0; i < n_threads; ++i) {
      threads.loop(i).post([&, i] {
        FanoutThread& t = state[static_cast<std::size_t>(i)];
        t.counting = true;
        if (i == 0) publisher->start();
        if (i == 0 && counted) watch_completion();
        t.loop->after(duration, [&, i] {
          t.counting = false;
          if (i == 0) {
            publisher->stop();
            if (common.server_pid && !server_end) server_end = sample_process(common.server_pid);
          }
        });
        t.loop->after(duration + drain, [&] { t.loop->stop(); });
      });
    }
  });

  threads.run([&](int i) {
    FanoutThread& t = state[static_cast<std::size_t>(i)];
    t.loop = &threads.loop(i);
    int share = o.subscribers / n_threads + (i < o.subscribers % n_threads ? 1 : 0);
    t.tally.wanted = share + (i == 0 ? 1 : 0);  // the publisher counts as one
    t.loop->after(duration + drain + std::chrono::seconds(30), [&] { t.loop->stop(); });
    if (i == 0) {
      auto [on_open, on_failed] = tally_hooks(t.tally, [&] { maybe_ready(t, all_open); });
      if (via_http)
        publisher =
            std::make_unique<HttpPublisher>(o.publish_url, o.rate, payload, o.messages, on_open, on_failed);
      else
        publisher = std::make_unique<Publisher>(*t.loop, o.publish_url.empty() ? common.url : o.publish_url,
                                                o.rate, payload, on_open, on_failed, o.messages);
      publisher->connect();
    }
    for (int c = 0; c < share; ++c) {
      sluice::ClientBehaviors b;
      count_connection(b, t.tally, [&] { maybe_ready(t, all_open); });
      b.on_message = [&](sluice::ClientWebSocket, std::string_view data, sluice::Opcode) {
        if (!t.counting) return;
        std::uint64_t sent_at = stamp_of(data);
        if (sent_at < start_ns.load(std::memory_order_relaxed)) return;
        const std::uint64_t now = now_ns();
        t.latency.record(now - sent_at);
        ++t.received;
        if (counted) {
          received_total.fetch_add(1, std::memory_order_relaxed);
          last_receipt_ns.store(now, std::memory_order_relaxed);
        }
      };
      t.clients.push_back(
          std::make_unique<sluice::Client>(*t.loop, common.url, subscriber_options, std::move(b)));
      t.clients.back()->connect();
    }
    maybe_ready(t, all_open);
  });
  if (common.server_pid && !server_end) server_end = sample_process(common.server_pid);

  Histogram latency;
  std::uint64_t received = 0;
  ConnectionTally tally;
  for (auto& t : state) {
    latency.merge(t.latency);
    received += t.received;
    tally += t.tally;
  }
  // With --messages the run is as long as the deliveries took.
  double window = static_cast<double>(duration.count()) / 1000.0;
  if (counted && last_receipt_ns.load() > start_ns.load())
    window = static_cast<double>(last_receipt_ns.load() - start_ns.load()) / 1e9;
  double delivered = received / window;
  std::uint64_t published = publisher->sent();

  Report r("fanout");
  r.json()
      .add("url", common.url)
      .add("publish_via", via_http ? "http" : "websocket")
      .add("subscribers", o.subscribers);
  tally.add_to(r.json());
  r.json()
      .add("size", static_cast<std::uint64_t>(o.size))
      .add("payload", o.payload == PayloadKind::json ? "json" : "filler")
      .add("compression", sluice::compression_name(o.compression))
      .add("rate", o.rate)
      .add("threads", n_threads)
      .add("duration_s", window)
      .add("published", published)
      .add("publish_refused", publisher->refused())
      .add("publish_skipped", publisher->skipped())
      .add("delivered", received)
      // Copies the server sent: to the subscribers, and back to a WebSocket publisher.
      .add("server_deliveries", received + (via_http ? 0 : published))
      .add("delivered_per_s", delivered)
      .add("expected_per_s", o.rate * o.subscribers)
      .add("messages_per_s", delivered);
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "fanout: %d subscribers, %zu B at %.0f msg/s: %llu published, %.0f deliveries/s (%.0f expected)",
      o.subscribers, o.size, o.rate, static_cast<unsigned long long>(published), delivered,
      o.rate * o.subscribers);
  r.line(buf);
  if (tally.troubled() || publisher->refused() > 0) {
    std::snprintf(buf, sizeof buf, "fanout: %d failed to connect, %d closed early, %llu publishes refused",
                  tally.failed, tally.closed_early, static_cast<unsigned long long>(publisher->refused()));
    r.line(buf);
  }
  r.add_latency(latency, "publish-to-receive");
  // Per delivered message: the server's cost of one message to one subscriber.
  r.add_server_costs(server_start, server_end, received);
  publisher.reset();
  r.print(common.json);
  return tally.opened == o.subscribers + 1 && received > 0 ? 0 : 1;
}

}  // namespace sluice::bench
