// mixed-churn: connect, upgrade and go, the ways real clients go, for --cycles in total on
// --threads threads, one cycle at a time each. Four kinds in turn: a clean close (close frame
// both ways, the server ends the TCP connection), an abrupt reset after the upgrade (RST), a
// handshake cut halfway (alternately FIN and RST), and an upgraded connection dropped without a
// close frame (FIN). A cycle fails when the server does not answer as it must: no 101, or no
// close frame and end of stream after ours.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "clock.hpp"
#include "raw_peer.hpp"
#include "report.hpp"
#include "scenarios.hpp"

namespace sluice::bench {

namespace {

enum class CycleKind : std::uint8_t { clean_close, reset, half_handshake, dropped };
constexpr int kKinds = 4;
constexpr int kTimeoutMs = 10'000;

struct Tally {
  std::atomic<std::uint64_t> done[kKinds] = {};
  std::atomic<std::uint64_t> failed{0};
  std::mutex mutex;
  std::string first_error;

  void fail(CycleKind kind, const std::string& why) {
    if (failed.fetch_add(1) > 0) return;
    std::lock_guard<std::mutex> lock(mutex);
    first_error = std::string(kind == CycleKind::clean_close ? "clean close"
                              : kind == CycleKind::reset     ? "reset"
                              : kind == CycleKind::dropped   ? "dropped"
                                                             : "half handshake") +
                  ": " + why;
  }
};

bool upgrade(RawPeer& peer, const WsTarget& target, const std::string& request, std::uint64_t i,
             std::string& error) {
  return peer.open(target, static_cast<int>(i), kTimeoutMs, true, error) && peer.send_all(request, error) &&
         peer.read_upgrade(error);
}

bool run_cycle(CycleKind kind, const WsTarget& target, const std::string& request, std::uint64_t i,
               std::string& error) {
  RawPeer peer;
  switch (kind) {
    case CycleKind::clean_close: {
      if (!upgrade(peer, target, request, i, error) || !peer.send_close(error)) return false;
      std::uint8_t first = 0;
      std::string payload;
      if (!peer.read_frame(first, payload, error)) return false;
      if (first != 0x88) {
        error = "expected the server's close frame";
        return false;
      }
      if (!peer.wait_eof()) {
        error = "the server did not end the connection after the close handshake";
        return false;
      }
      return true;
    }
    case CycleKind::reset:
      if (!upgrade(peer, target, request, i, error)) return false;
      peer.reset();
      return true;
    case CycleKind::half_handshake: {
      if (!peer.open(target, static_cast<int>(i), kTimeoutMs, true, error)) return false;
      // Up to somewhere inside the headers: the cut point moves from cycle to cycle.
      const std::size_t cut = 1 + (i * 7) % (request.size() - 4);
      if (!peer.send_all(std::string_view(request).substr(0, cut), error)) return false;
      if ((i / kKinds) % 2 == 0) {
        peer.reset();
      } else {
        peer.close();
      }
      return true;
    }
    case CycleKind::dropped:
      if (!upgrade(peer, target, request, i, error)) return false;
      peer.close();
      return true;
  }
  return false;
}

}  // namespace

int run_mixed_churn(const CommonOptions& common, const MixedChurnOptions& o) {
  std::string error;
  const auto target = parse_ws_target(common.url, error);
  if (!target) {
    std::fprintf(stderr, "mixed-churn: %s\n", error.c_str());
    return 2;
  }
  const std::string request = upgrade_request(*target);
  Tally tally;
  std::atomic<std::uint64_t> next{0};
  const std::uint64_t start_ns = now_ns();
  const std::uint64_t stop_ns = start_ns + static_cast<std::uint64_t>(o.max_duration_s * 1e9);
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(common.threads, 1); ++t) {
    threads.emplace_back([&] {
      for (std::uint64_t i; (i = next.fetch_add(1)) < o.cycles && now_ns() < stop_ns;) {
        const auto kind = static_cast<CycleKind>(i % kKinds);
        std::string why;
        if (run_cycle(kind, *target, request, i, why)) {
          tally.done[static_cast<int>(kind)].fetch_add(1);
        } else {
          tally.fail(kind, why);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = static_cast<double>(now_ns() - start_ns) / 1e9;
  std::uint64_t done = 0;
  for (const auto& d : tally.done) done += d.load();

  Report r("mixed-churn");
  r.json()
      .add("url", common.url)
      .add("cycles", o.cycles)
      .add("completed", done)
      .add("failed", tally.failed.load())
      .add("clean_closes", tally.done[0].load())
      .add("resets", tally.done[1].load())
      .add("half_handshakes", tally.done[2].load())
      .add("dropped", tally.done[3].load())
      .add("threads", common.threads)
      .add("elapsed_s", elapsed)
      .add("first_error", tally.first_error);
  char buf[320];
  std::snprintf(
      buf, sizeof buf,
      "mixed-churn: %llu/%llu cycles in %.1f s (%llu clean closes, %llu resets, %llu half handshakes, "
      "%llu dropped), %llu failed",
      static_cast<unsigned long long>(done), static_cast<unsigned long long>(o.cycles), elapsed,
      static_cast<unsigned long long>(tally.done[0].load()),
      static_cast<unsigned long long>(tally.done[1].load()),
      static_cast<unsigned long long>(tally.done[2].load()),
      static_cast<unsigned long long>(tally.done[3].load()),
      static_cast<unsigned long long>(tally.failed.load()));
  r.line(buf);
  if (!tally.first_error.empty()) r.line("first failure: " + tally.first_error);
  r.print(common.json);
  return done == o.cycles ? 0 : 1;
}

}  // namespace sluice::bench
