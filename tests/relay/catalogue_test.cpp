// The relay's metric catalogue: every family issue 13 names is declared, labels are bounded by
// the configuration, and `promtool check metrics` accepts a full scrape (process_* included).
#include "metrics/catalogue.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace sluice::relay {
namespace {

const char* const promtool = "/usr/bin/promtool";

struct Fixture {
  MetricLayout layout;
  RelayMetrics metrics;
  std::unique_ptr<MetricRegistry> registry;

  explicit Fixture(MetricBounds bounds = {{"radio", "gps"}, {"sensors/**"}}) {
    metrics = RelayMetrics::declare(layout, bounds);
    registry = std::make_unique<MetricRegistry>(std::move(layout), 3);
  }
};

// Counts something in every family, from several shards, so each one writes samples.
void count_everything(Fixture& f) {
  const RelayMetrics& m = f.metrics;
  MetricShard& worker = f.registry->shard(1);
  MetricShard& main = f.registry->shard(0);
  worker.add(m.connections.at(ConnectionState::open), 3);
  worker.add(m.connections.at(ConnectionState::handshaking), 1);
  worker.add(m.connections_opened.at(), 5);
  worker.add(m.connections_closed.at(CloseReason::policy));
  worker.add(m.messages_received.at(MessageOrigin::http), 2);
  worker.add(m.messages_published.at(), 7);
  worker.add(m.messages_delivered.at(), 21);
  worker.add(m.messages_dropped.at(SlowConsumerPolicy::drop_oldest), 4);
  worker.add(m.bytes_received.at(), 300);
  worker.add(m.bytes_sent.at(), 9000);
  worker.set(m.buffered_bytes.at(), 4096);
  worker.set(m.kernel_unsent_bytes.at(), 8192);
  main.set(m.buffered_bytes_high_water.at(), 65536);
  main.set(m.memory_budget_bytes.at(), 1 << 29);
  main.set(m.memory_limit_bytes.at(), 1 << 30);
  set_resource_pressure(main, m, Resource::memory, Pressure::warning);
  main.set(m.ready.at(), 1);
  main.set(m.memory_used_bytes.at(), 1 << 20);
  worker.observe(m.delivery_latency.at(), 0.0003);
  worker.observe(m.delivery_latency.at(), 12);
  main.add(m.source_messages.at(0), 10);
  main.add(m.source_bytes.at(0), 1000);
  main.add(m.source_frames_dropped.at(1, DropReason::oversized));
  main.add(m.source_kernel_drops.at(1), 2);
  main.add(m.source_errors.at(1));
  main.add(m.source_restarts.at(1));
  set_source_state(main, m, 0, SourceState::running);
  set_source_state(main, m, 1, SourceState::backoff);
  worker.add(m.topic_messages_published.at(0), 7);
  worker.add(m.topic_messages_dropped.at(0), 4);
  worker.set(m.topic_subscribers.at(0), 3);
  worker.add(m.http_requests.at(HttpRoute::metrics, http_code_index(200)));
  worker.add(m.http_requests.at(HttpRoute::publish, http_code_index(404)));
  worker.add(m.http_requests.at(HttpRoute::other, http_code_index(418)));
}

std::string scrape(const Fixture& f) {
  std::string out;
  append_metrics_text(out, *f.registry, read_process_sample());
  return out;
}

TEST(Catalogue, DeclaresEveryFamilyTheSpecificationNames) {
  Fixture f;
  count_everything(f);
  const std::string text = scrape(f);
  for (const char* name : {"sluice_connections",
                           "sluice_connections_opened_total",
                           "sluice_connections_closed_total",
                           "sluice_messages_received_total",
                           "sluice_messages_published_total",
                           "sluice_messages_delivered_total",
                           "sluice_bytes_sent_total",
                           "sluice_bytes_received_total",
                           "sluice_messages_dropped_total",
                           "sluice_thread_queue_refused_total",
                           "sluice_buffered_bytes",
                           "sluice_kernel_unsent_bytes",
                           "sluice_buffered_bytes_high_water",
                           "sluice_memory_budget_bytes",
                           "sluice_memory_limit_bytes",
                           "sluice_resource_pressure",
                           "sluice_ready",
                           "sluice_broker_shards_up",
                           "sluice_broker_reconnects_total",
                           "sluice_broker_published_total",
                           "sluice_broker_publish_failed_total",
                           "sluice_broker_dropped_total",
                           "sluice_broker_probe_failures_total",
                           "sluice_memory_used_bytes",
                           "sluice_delivery_latency_seconds",
                           "sluice_source_messages_total",
                           "sluice_source_bytes_total",
                           "sluice_source_frames_dropped_total",
                           "sluice_source_kernel_drops_total",
                           "sluice_source_errors_total",
                           "sluice_source_restarts_total",
                           "sluice_source_state",
                           "sluice_topic_messages_published_total",
                           "sluice_topic_messages_dropped_total",
                           "sluice_topic_subscribers",
                           "sluice_http_requests_total",
                           "process_resident_memory_bytes",
                           "process_cpu_seconds_total",
                           "process_open_fds",
                           "process_max_fds",
                           "process_start_time_seconds",
                           "process_virtual_memory_bytes"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
  for (const char* sample : {"sluice_connections{state=\"open\"} 3\n",
                             "sluice_connections_closed_total{reason=\"policy\"} 1\n",
                             "sluice_connections_closed_total{reason=\"shutdown\"} 0\n",
                             "sluice_messages_dropped_total{policy=\"drop_oldest\"} 4\n",
                             "sluice_memory_budget_bytes 536870912\n",
                             "sluice_memory_limit_bytes 1073741824\n",
                             "sluice_resource_pressure{resource=\"memory\",state=\"warning\"} 1\n",
                             "sluice_resource_pressure{resource=\"memory\",state=\"over\"} 0\n",
                             "sluice_ready 1\n",
                             "sluice_delivery_latency_seconds_bucket{le=\"0.000256\"} 0\n",
                             "sluice_delivery_latency_seconds_bucket{le=\"0.000512\"} 1\n",
                             "sluice_delivery_latency_seconds_bucket{le=\"8.388608\"} 1\n",
                             "sluice_delivery_latency_seconds_bucket{le=\"+Inf\"} 2\n",
                             "sluice_delivery_latency_seconds_count 2\n",
                             "sluice_source_frames_dropped_total{source=\"gps\",reason=\"oversized\"} 1\n",
                             "sluice_source_state{source=\"gps\",state=\"backoff\"} 1\n",
                             "sluice_source_state{source=\"gps\",state=\"running\"} 0\n",
                             "sluice_source_messages_total{source=\"other\"} 0\n",
                             "sluice_topic_subscribers{topic=\"sensors/**\"} 3\n",
                             "sluice_http_requests_total{route=\"metrics\",code=\"200\"} 1\n",
                             "sluice_http_requests_total{route=\"other\",code=\"4xx\"} 1\n"}) {
    EXPECT_NE(text.find(sample), std::string::npos) << sample;
  }
  // Hidden at zero: only the three route/code pairs counted above.
  std::size_t http_series = 0;
  for (std::size_t at = text.find("\nsluice_http_requests_total{"); at != std::string::npos;
       at = text.find("\nsluice_http_requests_total{", at + 1)) {
    ++http_series;
  }
  EXPECT_EQ(http_series, 3u);
}

TEST(Catalogue, SeriesCountIsFixedByTheConfiguration) {
  Fixture small({{"a"}, {}});
  Fixture large({{"a", "b", "c"}, {"x/*", "y/**"}});
  // Per source: 5 counters + 3 drop reasons + 6 states, each with "other" as one more source.
  EXPECT_EQ(large.registry->layout().series_count() - small.registry->layout().series_count(),
            2u * (5 + 3 + 6) + 2u * 3);
  std::string text;
  small.registry->write_text(text);
  EXPECT_EQ(text.find("sluice_topic_"), std::string::npos);  // no pattern opted in: no family
}

TEST(Catalogue, RefusesAmbiguousSourceNames) {
  MetricLayout layout;
  EXPECT_THROW(RelayMetrics::declare(layout, {{"a", "a"}, {}}), std::invalid_argument);
  MetricLayout other;
  EXPECT_THROW(RelayMetrics::declare(other, {{"other"}, {}}), std::invalid_argument);
}

TEST(Catalogue, HttpCodesAreExactOrTheirClass) {
  const std::vector<std::string> names = http_code_names();
  EXPECT_EQ(names[http_code_index(200)], "200");
  EXPECT_EQ(names[http_code_index(503)], "503");
  EXPECT_EQ(names[http_code_index(418)], "4xx");
  EXPECT_EQ(names[http_code_index(299)], "2xx");
  EXPECT_EQ(names[http_code_index(99)], "other");
  EXPECT_EQ(names[http_code_index(600)], "other");
}

TEST(Catalogue, StatsTotalsComeFromTheSameCells) {
  Fixture f;
  count_everything(f);
  StatsSnapshot stats;
  fill_stats_totals(stats, *f.registry, f.metrics);
  EXPECT_EQ(stats.connections[static_cast<std::size_t>(ConnectionState::open)], 3u);
  EXPECT_EQ(stats.connections[static_cast<std::size_t>(ConnectionState::handshaking)], 1u);
  EXPECT_EQ(stats.connections_opened, 5u);
  EXPECT_EQ(stats.connections_closed, 1u);
  EXPECT_EQ(stats.messages_received, 2u);
  EXPECT_EQ(stats.messages_published, 7u);
  EXPECT_EQ(stats.messages_delivered, 21u);
  EXPECT_EQ(stats.bytes_sent, 9000u);
  EXPECT_EQ(stats.dropped[static_cast<std::size_t>(SlowConsumerPolicy::drop_oldest)], 4u);
  EXPECT_EQ(stats.kernel_unsent_bytes, 8192u);
  EXPECT_EQ(stats.buffered_high_water, 65536u);
  EXPECT_EQ(stats.memory_limit_bytes, 1u << 30);
  EXPECT_EQ(stats.memory_budget_bytes, 1u << 29);
}

// promtool reads the exposition on standard input; its output (problems, one a line) is
// captured so a failure shows what it objected to.
struct ToolResult {
  int status = -1;
  std::string output;
};

ToolResult run_promtool(const std::string& exposition) {
  char path[] = "/tmp/sluice-metrics-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return {};
  close(fd);
  std::ofstream(path) << exposition;
  const std::string command = std::string(promtool) + " check metrics < " + path + " 2>&1";
  ToolResult result;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) result.output += buf;
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  unlink(path);
  return result;
}

TEST(Catalogue, PromtoolAcceptsAFullScrape) {
  if (access(promtool, X_OK) != 0) {
    GTEST_SKIP() << promtool
                 << " is missing: install Debian's prometheus package (scripts/install-deps does)";
  }
  Fixture f;
  count_everything(f);
  const ToolResult result = run_promtool(scrape(f));
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "");

  Fixture fresh;  // nothing counted yet: what a scrape right after startup sees
  const ToolResult at_start = run_promtool(scrape(fresh));
  EXPECT_EQ(at_start.status, 0) << at_start.output;
  EXPECT_EQ(at_start.output, "");
}

TEST(Catalogue, PromtoolRejectsABrokenExposition) {
  if (access(promtool, X_OK) != 0) GTEST_SKIP() << promtool << " is missing";
  // The check above means something only if promtool does object to a bad text.
  EXPECT_NE(run_promtool("# TYPE x counter\nx{a=\"1\" 1\n").status, 0);
}

}  // namespace
}  // namespace sluice::relay
