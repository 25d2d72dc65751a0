// sluice-bench: the load generator. One subcommand per scenario (echo, fanout, idle, churn,
// stall, subscribe, mixed-churn, storm); each prints a short human summary, and with --json one
// JSON line on stdout. Exit status: 0 when the scenario ran as asked, 1 when it ran short, 2 for
// a usage error.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "scenarios.hpp"
#include "sluice/log.hpp"

namespace {

using sluice::bench::CommonOptions;

// Many connections need many descriptors: take everything the hard limit allows.
void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

void add_common(CLI::App* cmd, CommonOptions& c, bool threads) {
  cmd->add_option("--url", c.url, "ws:// URL of the server under test")->required();
  cmd->add_flag("--json", c.json, "print one JSON line on stdout (the summary goes to stderr)");
  cmd->add_option("--server-pid", c.server_pid, "sample this process's RSS and CPU time from /proc");
  if (threads)
    cmd->add_option("--threads", c.threads, "load-generator threads, each with its own loop")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluice-bench: WebSocket load generator"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "library log level: debug, info, warn, error or off")
      ->capture_default_str();

  CommonOptions common;
  sluice::bench::EchoOptions echo;
  sluice::bench::FanoutOptions fanout;
  sluice::bench::IdleOptions idle;
  sluice::bench::ChurnOptions churn;
  sluice::bench::MixedChurnOptions mixed;
  sluice::bench::StormOptions storm;
  sluice::bench::StallOptions stall;
  sluice::bench::SubscribeOptions subscribe;

  auto* e = app.add_subcommand("echo", "round trips with K messages in flight per connection");
  add_common(e, common, true);
  e->add_option("--connections", echo.connections)->capture_default_str()->check(CLI::Range(1, 1'000'000));
  e->add_option("--size", echo.size, "payload bytes (at least 8: the timestamp)")->capture_default_str();
  e->add_option("--inflight", echo.inflight)->capture_default_str()->check(CLI::Range(1, 100'000));
  e->add_option("--duration", echo.duration_s, "seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  e->add_option("--messages", echo.messages, "stop after this many round trips in total (0: duration)")
      ->capture_default_str();

  auto* f = app.add_subcommand("fanout", "one publisher, N subscribers on a broadcast URL");
  add_common(f, common, true);
  f->add_option("--subscribers", fanout.subscribers)->capture_default_str()->check(CLI::Range(1, 1'000'000));
  f->add_option("--rate", fanout.rate, "published messages per second")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7));
  f->add_option("--size", fanout.size, "payload bytes (at least 8)")->capture_default_str();
  f->add_option("--duration", fanout.duration_s, "seconds (with --messages: the bound on the run)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  f->add_option("--messages", fanout.messages,
                "publish this many, then end once every subscriber has them (0: run for the duration)")
      ->capture_default_str();
  std::string payload_kind = "filler";
  f->add_option("--payload", payload_kind, "filler: one repeated byte; json: JSON-like records")
      ->capture_default_str()
      ->check(CLI::IsMember({"filler", "json"}));
  std::string subscriber_compression = "off";
  f->add_option("--compression", subscriber_compression,
                "subscribers offer permessage-deflate: off, shared or dedicated (the publisher does not)")
      ->capture_default_str()
      ->check(CLI::IsMember({"off", "shared", "dedicated"}));
  std::string publish_via = "ws";
  f->add_option("--publish", publish_via, "ws: a WebSocket client on --url; http: POST to --publish-url")
      ->capture_default_str()
      ->check(CLI::IsMember({"ws", "http"}));
  f->add_option(
      "--publish-url", fanout.publish_url,
      "http://HOST:PORT/PATH (default: --url as http://); with --publish ws, a ws:// URL on another "
      "server of the same cluster (default: --url)");

  auto* i = app.add_subcommand("idle", "open and hold N upgraded connections");
  add_common(i, common, false);
  i->add_option("--connections", idle.connections)->capture_default_str()->check(CLI::Range(1, 10'000'000));
  i->add_option("--hold", idle.hold_s, "seconds")->capture_default_str()->check(CLI::Range(0.0, 86400.0));

  auto* c = app.add_subcommand("churn", "connect, one echo, close; repeated");
  add_common(c, common, true);
  c->add_option("--cycles", churn.cycles)->capture_default_str()->check(CLI::Range(1, 100'000'000));
  c->add_option("--parallel", churn.parallel, "cycles in flight per thread")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000));
  c->add_option("--size", churn.size, "payload bytes (at least 8)")->capture_default_str();
  c->add_option("--max-duration", churn.max_duration_s, "seconds before no new cycle starts")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));

  auto* s = app.add_subcommand("stall", "K readers that never read, and a publisher");
  add_common(s, common, false);
  s->add_option("--stalled", stall.stalled)->capture_default_str()->check(CLI::Range(0, 10'000'000));
  s->add_option("--rate", stall.rate, "published messages per second")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7));
  s->add_option("--size", stall.size, "payload bytes (at least 8)")->capture_default_str();
  s->add_option("--duration", stall.duration_s, "seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  s->add_option("--rss-series", stall.rss_series,
                "write \"t_seconds rss_kb\" lines here (with --server-pid)");

  auto* sub = app.add_subcommand("subscribe", "N subscribers counting what the server's own producer sends");
  add_common(sub, common, true);
  sub->add_option("--subscribers", subscribe.subscribers)
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  sub->add_option("--stalled", subscribe.stalled, "more connections that never read")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  sub->add_option("--duration", subscribe.duration_s, "seconds of counting, from when all are open")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));

  auto* m =
      app.add_subcommand("mixed-churn", "connect, upgrade, go: clean closes, resets, cut handshakes, drops");
  add_common(m, common, true);
  m->add_option("--cycles", mixed.cycles)->capture_default_str()->check(CLI::Range(1, 100'000'000));
  m->add_option("--max-duration", mixed.max_duration_s, "seconds before no new cycle starts")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));

  auto* st =
      app.add_subcommand("storm", "N clients at once on a topic URL, then one published message for all");
  add_common(st, common, false);
  st->add_option("--clients", storm.clients)->capture_default_str()->check(CLI::Range(1, 1'000'000));
  st->add_option("--publish", storm.publish_url, "http:// URL to POST the message to (the topic's)")
      ->required();
  st->add_option("--max-duration", storm.max_duration_s,
                 "seconds for the upgrades, and again for the message")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    return app.exit(err);
  }
  sluice::LogLevel level;
  if (!sluice::parse_log_level(log_level, level)) {
    std::fprintf(stderr, "sluice-bench: unknown log level '%s'\n", log_level.c_str());
    return 2;
  }
  sluice::set_log_level(level);
  raise_fd_limit();

  try {
    if (e->parsed()) return sluice::bench::run_echo(common, echo);
    if (f->parsed()) {
      fanout.payload =
          payload_kind == "json" ? sluice::bench::PayloadKind::json : sluice::bench::PayloadKind::filler;
      sluice::parse_compression(subscriber_compression, fanout.compression);  // CLI11 checked it
      if (publish_via == "http") {
        fanout.via = sluice::bench::PublishVia::http;
        if (fanout.publish_url.empty() && common.url.starts_with("ws://"))
          fanout.publish_url = "http://" + common.url.substr(5);
      }
      return sluice::bench::run_fanout(common, fanout);
    }
    if (i->parsed()) return sluice::bench::run_idle(common, idle);
    if (c->parsed()) return sluice::bench::run_churn(common, churn);
    if (s->parsed()) return sluice::bench::run_stall(common, stall);
    if (sub->parsed()) return sluice::bench::run_subscribe(common, subscribe);
    if (m->parsed()) return sluice::bench::run_mixed_churn(common, mixed);
    if (st->parsed()) return sluice::bench::run_storm(common, storm);
  } catch (const std::exception& err) {
    std::fprintf(stderr, "sluice-bench: %s\n", err.what());
    return 2;
  }
  return 2;
}
