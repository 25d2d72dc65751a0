// The real-world scenario of issue 3: one server, a source publishing 250-byte messages at
// 20,000 msg/s, 10 fast subscribers that must get every message in order, and 5 stalled ones
// (handshake, then never read, SO_RCVBUF 4096) that must cost no more than their caps and be
// handled by the policy. Run once per policy. Duration: 20 s, or SLUICE_SCENARIO_SECONDS, or
// 5 s in a sanitizer build. Speed is measured and printed, never asserted.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "sendpath_helpers.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define SLUICE_SP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_SP_SANITIZED 1
#endif
#endif
#ifndef SLUICE_SP_SANITIZED
#define SLUICE_SP_SANITIZED 0
#endif

namespace sluice_test {
namespace {

constexpr std::size_t kPayload = 250;
constexpr int kRate = 20'000;  // messages per second
constexpr int kFast = 10;
constexpr int kStalled = 5;
constexpr std::size_t kCap = 1024 * 1024;  // max_buffered_bytes (the default)

int scenario_seconds() {
  int seconds = SLUICE_SP_SANITIZED ? 5 : 20;
  if (const char* env = std::getenv("SLUICE_SCENARIO_SECONDS")) {
    int v = std::atoi(env);
    if (v > 0 && (v < seconds || !SLUICE_SP_SANITIZED)) seconds = v;
  }
  return seconds;
}

std::size_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

struct FastReader {
  std::unique_ptr<RawClient> client;
  std::uint64_t got = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t corrupt = 0;
  ReadStatus end = ReadStatus::ok;
  std::thread thread;
};

class Scenario : public ::testing::TestWithParam<sluice::SlowConsumerPolicy> {};

TEST_P(Scenario, FastSubscribersGetEverythingStalledOnesAreBoundedAndHandledByPolicy) {
  const sluice::SlowConsumerPolicy policy = GetParam();
  const int seconds = scenario_seconds();
  const std::uint64_t total = static_cast<std::uint64_t>(kRate) * seconds;

  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.policy = policy;
  o.close_timeout = milliseconds(1000);
  // The write deadline has its own test; here the policy alone handles the stalled peers.
  o.write_timeout = milliseconds(0);
  static int stalled_tag = 0;
  Record rec;
  sluice::Behaviors more;
  more.on_upgrade = [](const sluice::UpgradeRequest& req) {
    return sluice::UpgradeDecision::accept({}, req.path == "/stalled" ? &stalled_tag : nullptr);
  };
  more.on_open = [](sluice::WebSocket ws) { ws.subscribe("feed"); };
  ServerThread srv(o, recording(rec, more));

  // Clients first, with every buffer they will use allocated (and touched) now.
  std::vector<FastReader> fast(kFast);
  for (auto& f : fast) {
    f.client = std::make_unique<RawClient>(srv.port(), 0, 256 * 1024);
    ASSERT_TRUE(f.client->handshake("/fast"));
  }
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < kStalled; ++i) {
    stalled.push_back(std::make_unique<RawClient>(srv.port(), 4096, 4096));
    ASSERT_TRUE(stalled.back()->handshake("/stalled"));
  }
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == kFast + kStalled; }));

  std::atomic<bool> stop_readers{false};
  for (auto& f : fast) {
    f.thread = std::thread([&f, &stop_readers, total] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30) + milliseconds(total / 10);
      while (f.got < total && !stop_readers.load() && std::chrono::steady_clock::now() < deadline) {
        f.end = f.client->read_frames(milliseconds(200), [&](std::uint8_t, std::string_view p) {
          if (p.size() != kPayload || !intact(p)) ++f.corrupt;
          if (seq_of(p) != f.got) ++f.out_of_order;
          ++f.got;
          return f.got < total;
        });
        if (f.end != ReadStatus::ok && f.end != ReadStatus::timeout) break;
      }
    });
  }

  std::this_thread::sleep_for(milliseconds(100));
  const std::size_t rss_before = rss_bytes();
  std::size_t rss_peak = rss_before;
  std::size_t buffered_peak = 0;

  // The source: a thread publishing 20 messages per millisecond tick (Server::publish is
  // thread-safe), paced with sleep_until so it never runs ahead of the schedule.
  std::atomic<bool> publishing{true};
  std::uint64_t published = 0;
  auto t0 = std::chrono::steady_clock::now();
  std::thread source([&] {
    std::string m(kPayload, '\0');
    auto next = std::chrono::steady_clock::now();
    while (published < total) {
      for (int i = 0; i < kRate / 1000 && published < total; ++i) {
        std::string msg = numbered(published, kPayload);
        srv.server().publish("feed", msg);
        ++published;
      }
      next += milliseconds(1);
      std::this_thread::sleep_until(next);
    }
    publishing = false;
  });
  while (publishing.load()) {
    std::this_thread::sleep_for(milliseconds(50));
    rss_peak = std::max(rss_peak, rss_bytes());
    buffered_peak = std::max(buffered_peak, static_cast<std::size_t>(srv.stats().buffered_bytes));
  }
  source.join();
  const double publish_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& f : fast) f.thread.join();
  const double deliver_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rss_peak = std::max(rss_peak, rss_bytes());

  // Per-connection state of the stalled subscribers still open.
  struct Conn {
    bool stalled;
    sluice::ConnectionStats stats;
  };
  std::vector<Conn> conns = srv.ask([&] {
    std::vector<Conn> v;
    for (sluice::WebSocket ws : rec.open) v.push_back({ws.user_data() == &stalled_tag, ws.stats()});
    return v;
  });
  sluice::ServerStats ss = srv.stats();

  std::uint64_t delivered = 0;
  for (const auto& f : fast) delivered += f.got;
  std::printf(
      "scenario policy=%s: %llu messages in %.2f s published (%.0f msg/s), %llu delivered to %d fast "
      "subscribers in %.2f s; RSS growth peak %.2f MiB (bound %.2f MiB); server buffered peak %.2f MiB; "
      "dropped %llu, refused %llu, closed by policy %llu\n",
      sluice::to_string(policy), static_cast<unsigned long long>(published), publish_seconds,
      published / publish_seconds, static_cast<unsigned long long>(delivered), kFast, deliver_seconds,
      (rss_peak - rss_before) / 1048576.0, (5.0 * kCap + 8.0 * 1048576) / 1048576.0,
      buffered_peak / 1048576.0, static_cast<unsigned long long>(ss.messages_dropped),
      static_cast<unsigned long long>(ss.sends_refused),
      static_cast<unsigned long long>(ss.connections_closed_by_policy));
  ::testing::Test::RecordProperty("messages_per_second", static_cast<int>(published / publish_seconds));
  ::testing::Test::RecordProperty("rss_growth_bytes", static_cast<int>(rss_peak - rss_before));

  // Every fast subscriber: every message, in order, intact; none of them closed.
  for (int i = 0; i < kFast; ++i) {
    EXPECT_EQ(fast[i].got, total) << "fast subscriber " << i << " (last read: " << to_string(fast[i].end)
                                  << ")";
    EXPECT_EQ(fast[i].out_of_order, 0u) << "fast subscriber " << i;
    EXPECT_EQ(fast[i].corrupt, 0u) << "fast subscriber " << i;
  }
  int fast_open = 0;
  for (const Conn& c : conns) fast_open += !c.stalled;
  EXPECT_EQ(fast_open, kFast) << "a fast subscriber was closed";

  // Memory: the stalled queues are capped (5 x max_buffered_bytes at most). The constant
  // covers what else may grow during the run: the cross-thread publish queue while the loop
  // catches up (each entry a 266-byte frame plus a posted task), malloc arenas of the source
  // and loop threads, the loop's reusable lists, and page-granular heap growth: 8 MiB.
  // Socket buffers are kernel memory and do not count in VmRSS.
  EXPECT_LE(buffered_peak, kStalled * kCap + kFast * kCap);
  if (SLUICE_SP_SANITIZED) {
    std::printf("sanitizer build: RSS bound not asserted (shadow memory and quarantine)\n");
  } else {
    EXPECT_LE(rss_peak - rss_before, 5 * kCap + 8 * 1048576)
        << "RSS grew beyond 5 x max_buffered_bytes + 8 MiB";
  }

  // The stalled subscribers, per policy.
  switch (policy) {
    case sluice::SlowConsumerPolicy::close: {
      EXPECT_EQ(ss.connections_closed_by_policy, static_cast<std::uint64_t>(kStalled));
      for (int i = 0; i < kStalled; ++i) {
        std::optional<Frame> close_frame;
        // Its bytes were in the kernel; the close frame only if the socket took it, else the
        // connection is cut after close_timeout.
        EXPECT_EQ(stalled[i]->drain_until_closed(milliseconds(10'000), nullptr, &close_frame), ReadStatus::ok)
            << "stalled subscriber " << i << " was never cut";
        if (close_frame) {
          EXPECT_EQ(close_frame->close_code(), sluice::close_code::policy_violation);
        }
      }
      EXPECT_TRUE(wait_until([&] { return srv.stats().connections_open == kFast; }));
      break;
    }
    case sluice::SlowConsumerPolicy::drop_newest:
    case sluice::SlowConsumerPolicy::drop_oldest:
    case sluice::SlowConsumerPolicy::latest: {
      EXPECT_EQ(ss.connections_closed_by_policy, 0u);
      int stalled_open = 0;
      std::uint64_t dropped = 0;
      for (const Conn& c : conns) {
        if (!c.stalled) continue;
        ++stalled_open;
        EXPECT_GT(c.stats.messages_dropped, 0u);
        EXPECT_LE(c.stats.buffered_bytes, kCap);
        EXPECT_LE(c.stats.buffered_high_water, kCap);
        dropped += c.stats.messages_dropped;
      }
      EXPECT_EQ(stalled_open, kStalled);
      EXPECT_EQ(ss.messages_dropped, dropped) << "only stalled subscribers lose messages";
      break;
    }
    case sluice::SlowConsumerPolicy::backpressure: {
      EXPECT_EQ(ss.connections_closed_by_policy, 0u);
      EXPECT_EQ(ss.messages_dropped, 0u);
      EXPECT_GT(ss.sends_refused, 0u);
      for (const Conn& c : conns) {
        if (c.stalled) {
          EXPECT_LE(c.stats.buffered_bytes, kCap);
        }
      }
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, Scenario,
                         ::testing::Values(sluice::SlowConsumerPolicy::close,
                                           sluice::SlowConsumerPolicy::drop_newest,
                                           sluice::SlowConsumerPolicy::drop_oldest,
                                           sluice::SlowConsumerPolicy::latest,
                                           sluice::SlowConsumerPolicy::backpressure),
                         [](const auto& info) { return std::string(sluice::to_string(info.param)); });

}  // namespace
}  // namespace sluice_test
