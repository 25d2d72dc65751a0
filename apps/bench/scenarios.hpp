// Scenarios: one function per subcommand of sluice-bench, each with its own options. Every
// scenario stops by itself (a duration, a count, or both) and returns the process exit status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "clock.hpp"
#include "sluice/compression.hpp"

namespace sluice::bench {

struct CommonOptions {
  std::string url;
  bool json = false;
  int server_pid = 0;  // 0: no server sampling
  int threads = 1;     // loops (threads) for the sluice::Client scenarios
};

struct EchoOptions {
  int connections = 100;
  std::size_t size = 20;
  int inflight = 1;
  double duration_s = 5;
  std::uint64_t messages = 0;  // 0: run for the duration
};

enum class PublishVia : std::uint8_t { websocket, http };

struct FanoutOptions {
  int subscribers = 100;
  double rate = 1000;  // publisher messages per second
  std::size_t size = 250;
  double duration_s = 5;       // with `messages`: the bound on the whole run
  std::uint64_t messages = 0;  // publish this many, then end once every subscriber has them all
  PublishVia via = PublishVia::websocket;
  PayloadKind payload = PayloadKind::filler;
  // Whether subscribers offer permessage-deflate (the publisher never compresses).
  sluice::Compression compression = sluice::Compression::off;
  std::string publish_url;  // http: where to POST (default: the --url with http://); ws: where to publish
};

struct IdleOptions {
  int connections = 1000;
  double hold_s = 5;
};

struct ChurnOptions {
  std::uint64_t cycles = 1000;
  int parallel = 4;  // cycles in flight at once (per thread)
  std::size_t size = 20;
  double max_duration_s = 60;
};

struct MixedChurnOptions {
  std::uint64_t cycles = 20'000;
  double max_duration_s = 300;  // no new cycle starts after this
};

struct StormOptions {
  int clients = 2000;
  std::string publish_url;     // http://HOST:PORT/topics/NAME: the topic the clients subscribed to
  double max_duration_s = 60;  // for the upgrades, and again for the message
};

struct StallOptions {
  int stalled = 10;
  double rate = 2000;
  std::size_t size = 250;
  double duration_s = 10;
  std::string rss_series;  // "t_seconds rss_kb" lines, when set and --server-pid is given
};

struct SubscribeOptions {
  int subscribers = 100;
  int stalled = 0;  // more connections that never read
  double duration_s = 10;
};

int run_echo(const CommonOptions& common, const EchoOptions& options);
int run_fanout(const CommonOptions& common, const FanoutOptions& options);
int run_idle(const CommonOptions& common, const IdleOptions& options);
int run_churn(const CommonOptions& common, const ChurnOptions& options);
int run_stall(const CommonOptions& common, const StallOptions& options);
int run_subscribe(const CommonOptions& common, const SubscribeOptions& options);
int run_mixed_churn(const CommonOptions& common, const MixedChurnOptions& options);
int run_storm(const CommonOptions& common, const StormOptions& options);

}  // namespace sluice::bench
