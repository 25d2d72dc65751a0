// subscribe: N subscribers on one URL and no publisher of our own: the messages come from the
// server's own producer (a relay's source, a websocketd child, a websockify upstream). Once all
// are open it says so on stderr ("subscribe: N open"), so that a driver can start the feed, and
// counts what arrives for the duration. With --stalled K, K more connections that never read
// (4 KiB receive buffers) are opened first; at the end they read what they hold, and the report
// says how many the server had closed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "connection_tally.hpp"
#include "countdown.hpp"
#include "loop_threads.hpp"
#include "raw_ws.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "sluice/client.hpp"

namespace sluice::bench {

namespace {

constexpr int kStalledReceiveBuffer = 4096;

struct SubscriberThread {
  sluice::Loop* loop = nullptr;
  std::vector<std::unique_ptr<sluice::Client>> clients;
  std::vector<std::uint64_t> received;  // per subscriber, while counting
  std::uint64_t bytes = 0;
  ConnectionTally tally;
  bool counting = false;
  bool ready = false;
};

}  // namespace

int run_subscribe(const CommonOptions& common, const SubscribeOptions& o) {
  std::string error;
  std::vector<int> stalled;
  if (o.stalled > 0) {
    auto target = parse_ws_target(common.url, error);
    if (!target) {
      std::fprintf(stderr, "sluice-bench: %s\n", error.c_str());
      return 2;
    }
    stalled =
        open_raw_upgraded(*target, {.count = o.stalled, .receive_buffer = kStalledReceiveBuffer}, error);
    if (!error.empty())
      std::fprintf(stderr, "sluice-bench: subscribe: after %zu stalled connections: %s\n", stalled.size(),
                   error.c_str());
  }

  LoopThreads threads(std::min(common.threads, o.subscribers));
  const int n_threads = threads.size();
  std::vector<SubscriberThread> state(static_cast<std::size_t>(n_threads));
  const auto duration = std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000));
  std::optional<ProcSample> server_start, server_end;

  auto maybe_ready = [](SubscriberThread& t, Countdown& gate) {
    if (!t.ready && t.tally.settled()) {
      t.ready = true;
      gate.arrive();
    }
  };
  Countdown all_open(n_threads, [&] {
    std::fprintf(stderr, "subscribe: %d open\n", o.subscribers);
    std::fflush(stderr);
    if (common.server_pid) server_start = sample_process(common.server_pid);
    for (int i = 0; i < n_threads; ++i) {
      threads.loop(i).post([&, i] {
        SubscriberThread& t = state[static_cast<std::size_t>(i)];
        t.counting = true;
        t.loop->after(duration, [&, i] {
          t.counting = false;
          if (i == 0 && common.server_pid) server_end = sample_process(common.server_pid);
          t.loop->stop();
        });
      });
    }
  });

  threads.run([&](int i) {
    SubscriberThread& t = state[static_cast<std::size_t>(i)];
    t.loop = &threads.loop(i);
    t.tally.wanted = o.subscribers / n_threads + (i < o.subscribers % n_threads ? 1 : 0);
    t.received.assign(static_cast<std::size_t>(t.tally.wanted), 0);
    t.loop->after(duration + std::chrono::seconds(60), [&] { t.loop->stop(); });
    for (int c = 0; c < t.tally.wanted; ++c) {
      sluice::ClientBehaviors b;
      count_connection(b, t.tally, [&] { maybe_ready(t, all_open); });
      b.on_message = [&, c](sluice::ClientWebSocket, std::string_view data, sluice::Opcode) {
        if (!t.counting) return;
        ++t.received[static_cast<std::size_t>(c)];
        t.bytes += data.size();
      };
      t.clients.push_back(
          std::make_unique<sluice::Client>(*t.loop, common.url, sluice::ClientOptions{}, std::move(b)));
      t.clients.back()->connect();
    }
    maybe_ready(t, all_open);
  });
  if (common.server_pid && !server_end) server_end = sample_process(common.server_pid);

  std::uint64_t received = 0, bytes = 0, least = ~std::uint64_t{0}, most = 0;
  ConnectionTally tally;
  for (auto& t : state) {
    for (std::uint64_t n : t.received) {
      received += n;
      least = std::min(least, n);
      most = std::max(most, n);
    }
    bytes += t.bytes;
    tally += t.tally;
  }
  if (received == 0) least = 0;
  const int stalled_closed = count_closed_after_draining(stalled, 2000);
  const auto stalled_opened = static_cast<long>(stalled.size());
  close_all(stalled);
  const double window = static_cast<double>(duration.count()) / 1000.0;

  Report r("subscribe");
  r.json().add("url", common.url).add("subscribers", o.subscribers);
  tally.add_to(r.json());
  r.json()
      .add("stalled", o.stalled)
      .add("stalled_connected", stalled_opened)
      .add("stalled_closed_by_server", stalled_closed)
      .add("duration_s", window)
      .add("delivered", received)
      .add("delivered_bytes", bytes)
      .add("delivered_per_s", static_cast<double>(received) / window)
      .add("per_subscriber_min", least)
      .add("per_subscriber_max", most);
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "subscribe: %d subscribers, %.0f deliveries/s (%.1f MB/s); per subscriber %llu to %llu in %.1f s",
      o.subscribers, static_cast<double>(received) / window, static_cast<double>(bytes) / window / 1e6,
      static_cast<unsigned long long>(least), static_cast<unsigned long long>(most), window);
  r.line(buf);
  if (tally.troubled() || o.stalled > 0) {
    std::snprintf(buf, sizeof buf,
                  "subscribe: %d failed to connect, %d closed early; %d/%ld stalled closed by the server",
                  tally.failed, tally.closed_early, stalled_closed, stalled_opened);
    r.line(buf);
  }
  r.add_server_costs(server_start, server_end, received);
  r.print(common.json);
  return tally.opened == o.subscribers && received > 0 ? 0 : 1;
}

}  // namespace sluice::bench
