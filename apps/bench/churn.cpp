// churn: connect, one echo round trip, close; repeated for --cycles in total, a few cycles in
// flight at once on each thread. Latency is from connect() to the echo's arrival; a cycle
// counts once the connection has closed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "histogram.hpp"
#include "loop_threads.hpp"
#include "proc_sampler.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "sluice/client.hpp"

namespace sluice::bench {

namespace {

struct ChurnThread;

struct Slot {
  std::unique_ptr<sluice::Client> client;
  std::uint64_t started_ns = 0;
  bool echoed = false;
};

// Per-thread state: touched only from its own loop until LoopThreads::run returns.
struct ChurnThread {
  sluice::Loop* loop = nullptr;
  const std::string* url = nullptr;
  std::vector<Slot> slots;
  std::string payload;
  Histogram latency;         // nanoseconds
  std::uint64_t budget = 0;  // cycles this thread runs
  std::uint64_t started = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  int active = 0;
  std::uint64_t end_ns = 0;
  bool stopping = false;

  void start(Slot& s);
  void ended(Slot& s);
  void finish() {
    if (end_ns == 0) end_ns = now_ns();
    loop->stop();
  }
};

void ChurnThread::start(Slot& s) {
  if (stopping || started >= budget) {
    if (active == 0) finish();
    return;
  }
  ++started;
  ++active;
  s.echoed = false;
  s.started_ns = now_ns();
  sluice::ClientBehaviors b;
  b.on_open = [this](sluice::ClientWebSocket ws) {
    stamp(payload, now_ns());
    ws.send(payload);
  };
  b.on_message = [this, &s](sluice::ClientWebSocket ws, std::string_view, sluice::Opcode) {
    latency.record(now_ns() - s.started_ns);
    s.echoed = true;
    ws.close();
  };
  // With reconnection off, on_stopped ends every attempt exactly once, opened or not.
  b.on_stopped = [this, &s] {
    // The client is inside its own call chain here: free it (and start over) from the loop.
    loop->post([this, &s] { ended(s); });
  };
  sluice::ClientOptions opts;
  opts.close_timeout = std::chrono::milliseconds(2000);
  s.client = std::make_unique<sluice::Client>(*loop, *url, std::move(opts), std::move(b));
  s.client->connect();
}

void ChurnThread::ended(Slot& s) {
  s.client.reset();
  --active;
  if (s.echoed) {
    ++completed;
  } else {
    ++failed;
  }
  start(s);
}

}  // namespace

int run_churn(const CommonOptions& common, const ChurnOptions& o) {
  LoopThreads threads(common.threads);
  const int n_threads = threads.size();
  std::vector<ChurnThread> state(static_cast<std::size_t>(n_threads));
  std::optional<ProcSample> server_start, server_end;
  if (common.server_pid) server_start = sample_process(common.server_pid);
  const std::uint64_t start_ns = now_ns();

  threads.run([&](int i) {
    ChurnThread& t = state[static_cast<std::size_t>(i)];
    t.loop = &threads.loop(i);
    t.url = &common.url;
    t.payload = make_payload(o.size);
    auto n = static_cast<std::uint64_t>(n_threads), idx = static_cast<std::uint64_t>(i);
    t.budget = o.cycles / n + (idx < o.cycles % n ? 1 : 0);
    t.slots.resize(static_cast<std::size_t>(std::max(o.parallel, 1)));
    t.loop->after(std::chrono::milliseconds(static_cast<long>(o.max_duration_s * 1000)), [&t] {
      t.stopping = true;  // cycles in flight finish; none start
      if (t.end_ns == 0) t.end_ns = now_ns();
      t.loop->after(std::chrono::seconds(5), [&t] { t.loop->stop(); });
    });
    for (auto& s : t.slots) t.start(s);
  });
  if (common.server_pid) server_end = sample_process(common.server_pid);

  Histogram latency;
  std::uint64_t completed = 0, failed = 0, last_end = start_ns;
  for (auto& t : state) {
    latency.merge(t.latency);
    completed += t.completed;
    failed += t.failed;
    last_end = std::max(last_end, t.end_ns);
    for (auto& s : t.slots) s.client.reset();
  }
  double elapsed = static_cast<double>(last_end - start_ns) / 1e9;
  double rate = elapsed > 0 ? static_cast<double>(completed) / elapsed : 0;

  Report r("churn");
  r.json()
      .add("url", common.url)
      .add("cycles", o.cycles)
      .add("completed", completed)
      .add("failed", failed)
      .add("parallel", o.parallel)
      .add("threads", n_threads)
      .add("elapsed_s", elapsed)
      .add("cycles_per_s", rate)
      .add("messages_per_s", rate);
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "churn: %llu/%llu cycles (%llu failed) in %.2f s = %.0f cycles/s, %d in parallel x %d threads",
      static_cast<unsigned long long>(completed), static_cast<unsigned long long>(o.cycles),
      static_cast<unsigned long long>(failed), elapsed, rate, o.parallel, n_threads);
  r.line(buf);
  r.add_latency(latency, "connect-to-echo");
  // Per cycle: accept, handshake, one echo, closing handshake.
  r.add_server_costs(server_start, server_end, completed);
  r.print(common.json);
  return completed == o.cycles ? 0 : 1;
}

}  // namespace sluice::bench
