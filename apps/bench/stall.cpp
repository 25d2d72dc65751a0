// stall: K clients complete the handshake on a broadcast URL and then never read (raw sockets
// with a 4 KiB receive buffer), while one publisher sends to the room at a fixed rate. The
// server's RSS, sampled every 100 ms, shows whether it buffers without bound behind them.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "proc_sampler.hpp"
#include "publisher.hpp"
#include "raw_ws.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "sluice/loop.hpp"

namespace sluice::bench {

namespace {

constexpr std::chrono::milliseconds kSampleEvery{100};
constexpr int kStalledReceiveBuffer = 4096;

// The server closed it (we never read, so FIN is all we can see): CLOSE_WAIT or gone.
struct RssPoint {
  double t_s;
  long rss_kb;
};

bool write_series(const std::string& path, const std::vector<RssPoint>& series) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f, "# t_seconds rss_kb\n");
  for (const auto& p : series) std::fprintf(f, "%.3f %ld\n", p.t_s, p.rss_kb);
  return std::fclose(f) == 0;
}

}  // namespace

int run_stall(const CommonOptions& common, const StallOptions& o) {
  std::string error;
  auto target = parse_ws_target(common.url, error);
  if (!target) {
    std::fprintf(stderr, "sluice-bench: %s\n", error.c_str());
    return 2;
  }
  std::vector<int> stalled =
      open_raw_upgraded(*target, {.count = o.stalled, .receive_buffer = kStalledReceiveBuffer}, error);
  if (!error.empty())
    std::fprintf(stderr, "sluice-bench: stall: after %zu connections: %s\n", stalled.size(), error.c_str());

  sluice::Loop loop;
  std::vector<RssPoint> series;
  series.reserve(static_cast<std::size_t>(o.duration_s * 10) + 16);
  std::optional<ProcSample> first, last;
  long max_rss = 0;
  std::uint64_t start_ns = 0;
  bool sampling = false;
  bool publisher_failed = false;
  const auto duration = std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000));

  auto sample = [&] {
    if (!common.server_pid) return;
    auto s = sample_process(common.server_pid);
    if (!s) return;
    if (!first) first = s;
    last = s;
    max_rss = std::max(max_rss, s->rss_kb);
    series.push_back({static_cast<double>(s->t_ns - start_ns) / 1e9, s->rss_kb});
  };
  // Each sample is scheduled against the start, not the last sample, so that the loop timer's
  // rounding (up to its 50 ms tick) does not accumulate.
  std::uint64_t samples_taken = 0;
  std::function<void()> sample_tick = [&] {
    if (!sampling) return;
    sample();
    ++samples_taken;
    std::uint64_t next_ns =
        start_ns + samples_taken * static_cast<std::uint64_t>(kSampleEvery.count()) * 1'000'000;
    std::uint64_t now = now_ns();
    auto wait_ms = next_ns > now ? static_cast<long>((next_ns - now) / 1'000'000) : 0L;
    loop.after(std::chrono::milliseconds(wait_ms), sample_tick);
  };

  Publisher publisher(
      loop, common.url, o.rate, make_payload(o.size),
      [&] {
        start_ns = now_ns();
        sampling = true;
        sample_tick();
        publisher.start();
        loop.after(duration, [&] {
          publisher.stop();
          sampling = false;
          sample();
          // Let the server act on what is queued (close or drop) before the sockets are checked.
          loop.after(std::chrono::milliseconds(200), [&] { loop.stop(); });
        });
      },
      [&] {
        publisher_failed = true;
        if (!sampling) loop.stop();
      });
  loop.after(duration + std::chrono::seconds(30), [&] { loop.stop(); });
  publisher.connect();
  loop.run();

  int closed = static_cast<int>(std::count_if(stalled.begin(), stalled.end(), closed_by_peer));
  const auto opened = static_cast<long>(stalled.size());
  close_all(stalled);

  Report r("stall");
  r.json()
      .add("url", common.url)
      .add("stalled", o.stalled)
      .add("stalled_connected", opened)
      .add("stalled_closed_by_server", closed)
      .add("rate", o.rate)
      .add("size", static_cast<std::uint64_t>(o.size))
      .add("duration_s", o.duration_s)
      .add("published", publisher.sent())
      .add("publish_refused", publisher.refused())
      .add("publish_skipped", publisher.skipped())
      .add("messages_per_s", static_cast<double>(publisher.sent()) / o.duration_s);
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "stall: %ld/%d stalled readers, %llu messages of %zu B published in %.1f s, %d stalled closed by the "
      "server%s",
      opened, o.stalled, static_cast<unsigned long long>(publisher.sent()), o.size, o.duration_s, closed,
      publisher_failed ? " (publisher connection failed or closed)" : "");
  r.line(buf);
  r.add_latency(publisher.own_latency(), "publisher's own copies");
  if (first && last) {
    r.json()
        .add("server_rss_start_kb", first->rss_kb)
        .add("server_rss_max_kb", max_rss)
        .add("server_rss_kb", last->rss_kb)
        .add("max_rss_growth_kb", max_rss - first->rss_kb)
        .add("rss_samples", static_cast<std::uint64_t>(series.size()));
    double n = static_cast<double>(std::max<std::uint64_t>(publisher.sent(), 1));
    double user = ticks_to_us(last->user_ticks - first->user_ticks) / n;
    double sys = ticks_to_us(last->sys_ticks - first->sys_ticks) / n;
    r.json().add("server_user_us_per_msg", user).add("server_sys_us_per_msg", sys);
    std::snprintf(buf, sizeof buf, "server: rss %ld kB at start, %ld kB max (+%ld kB), %ld kB at the end",
                  first->rss_kb, max_rss, max_rss - first->rss_kb, last->rss_kb);
    r.line(buf);
    if (!o.rss_series.empty()) {
      if (write_series(o.rss_series, series)) {
        r.line("server: RSS series written to " + o.rss_series);
      } else {
        std::fprintf(stderr, "sluice-bench: cannot write %s\n", o.rss_series.c_str());
      }
    }
  }
  r.print(common.json);
  return opened == o.stalled && !publisher_failed ? 0 : 1;
}

}  // namespace sluice::bench
