// RelayConfig: everything the relay is told by its TOML file ([server], [[topic]], [[source]]),
// with every default written where it is declared, and the loaders that check a file against
// the schema, stopping at the first error and reporting it as FILE:LINE:COLUMN.
//
// Unknown keys, wrong types, out-of-range values and keys of another source type are all
// errors. The keys and their meaning are listed once, in config_schema.hpp;
// examples/sluice.toml shows them all.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "broker/redis_url.hpp"
#include "config/cidr.hpp"
#include "config/config_error.hpp"
#include "config/endpoint.hpp"
#include "sluice/policy.hpp"
#include "sluice/tls.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::relay {

using std::chrono::milliseconds;

inline constexpr std::size_t KiB = 1024;
inline constexpr std::size_t MiB = 1024 * KiB;
inline constexpr std::size_t GiB = 1024 * MiB;

// [server]: the WebSocket and HTTP listener and the engine's limits (see sluice::ServerOptions).
struct ServerConfig {
  Endpoint listen{"127.0.0.1", 8080};  // port 0 picks a free port
  int threads = 1;
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_ip = 1'000;
  std::size_t max_handshakes = 1'024;  // connections still in their opening handshake
  std::size_t max_message_size = 1 * MiB;
  std::vector<std::string> allowed_origins;  // empty: any origin
  // Empty: no key. Set from api_key, or read from api_key_file at load.
  std::string api_key;
  std::vector<Cidr> http_publish_from = {Cidr::parse("127.0.0.0/8").value(), Cidr::parse("::1/128").value()};
  std::size_t max_buffered_bytes = 1 * MiB;  // per connection
  std::size_t low_watermark = 256 * KiB;
  // The process's memory limit: past 80 % a warning, past 100 % new subscribers and publishes
  // are refused (503) and /readyz fails until use is back under 90 %. Unset: half the
  // machine's memory or of the cgroup's limit, whichever is less (operations/memory_limit.hpp).
  std::optional<std::size_t> memory_limit;
  // The engine's budget for queues and message assembly across all connections (sends past it
  // meet the slow-consumer policy). Unset: memory_limit.
  std::optional<std::size_t> max_total_buffered_bytes;
  SlowConsumerPolicy policy = SlowConsumerPolicy::close;
  sluice::Compression compression = sluice::Compression::off;  // permessage-deflate
  std::size_t compression_threshold = 64;                      // smaller messages go uncompressed
  milliseconds close_grace{0};
  milliseconds write_timeout{10'000};  // 0: never
  milliseconds ping_interval{30'000};  // 0: never
  milliseconds idle_timeout{120'000};  // 0: never
  milliseconds close_timeout{5'000};
  milliseconds handshake_timeout{10'000};
  milliseconds shutdown_timeout{5'000};
  // After SIGTERM or SIGINT, /readyz answers 503 this long, while everything else still serves,
  // before the listener closes: time for a load balancer to stop sending new clients.
  milliseconds shutdown_delay{0};
  // GET /metrics, the relay's own counting and the engine's delivery latency stamps; off, for
  // measuring what they cost.
  bool metrics = true;
  std::size_t send_buffer_bytes = 0;  // SO_SNDBUF; 0: the kernel's default
  // tls_cert and tls_key (then tls_sni's entries): with certificates, every connection speaks
  // TLS (wss://, https://). Paths are resolved against the file's directory and the certificates
  // loaded (and checked) at load.
  sluice::ServerTlsOptions tls;
};

enum class SubscribeAccess : std::uint8_t { anyone, api_key, nobody };

// Who may publish to a topic.
struct PublishRights {
  bool http = true;      // POST /publish from http_publish_from (or with the api_key)
  bool clients = false;  // WebSocket clients
  bool sources = true;   // [[source]] entries
};

// [[topic]]: settings for the topics a name or pattern matches. The most specific entry wins
// (see Specificity in topics/topic_pattern.hpp); a topic no entry matches gets these defaults.
struct TopicConfig {
  std::string match = "**";                        // a valid name or pattern (checked at load)
  std::optional<SlowConsumerPolicy> policy;        // unset: server.policy
  std::optional<sluice::Compression> compression;  // unset: server.compression
  std::optional<std::size_t> max_buffered_bytes;   // unset: server.max_buffered_bytes
  std::optional<std::size_t> send_buffer_bytes;    // unset: server.send_buffer_bytes
  std::size_t history = 0;                         // messages kept for resume; 0: none
  std::size_t history_bytes = 1 * MiB;             // bound on the history's memory
  milliseconds history_age{0};                     // 0: no age bound
  bool retain_last = false;                        // keep the newest message for new subscribers
  PublishRights publish;
  SubscribeAccess subscribe = SubscribeAccess::anyone;
  // /metrics gets series labelled topic="<match>" for the topics this entry matches (off by
  // default, so that clients creating topics never add series).
  bool metrics = false;
};

enum class SourceType : std::uint8_t { udp, tcp, serial, standard_input, exec, demo };
std::string_view to_string(SourceType type);  // as written in the file: "stdin" for standard_input

struct UdpSource {
  Endpoint listen;
  // Receive buffer asked for: SO_RCVBUFFORCE where permitted, else SO_RCVBUF (the kernel caps
  // it at net.core.rmem_max); 0: the kernel's default.
  std::size_t recv_buffer = 4 * MiB;

  friend bool operator==(const UdpSource&, const UdpSource&) = default;
};

enum class TcpRole : std::uint8_t { listen, connect };

struct TcpSource {
  TcpRole role = TcpRole::connect;
  Endpoint endpoint;                 // where to listen, or what to connect to
  std::size_t max_connections = 16;  // listen only
  milliseconds reconnect_min{100};   // connect only: backoff after a failure, doubling
  milliseconds reconnect_max{10'000};

  friend bool operator==(const TcpSource&, const TcpSource&) = default;
};

enum class Parity : std::uint8_t { none, even, odd };
enum class FlowControl : std::uint8_t { none, rtscts, xonxoff };

struct SerialSource {
  std::string device;
  std::uint32_t baud = 115'200;  // a standard termios rate
  int data_bits = 8;             // 5 to 8
  Parity parity = Parity::none;
  int stop_bits = 1;  // 1 or 2
  FlowControl flow_control = FlowControl::none;
  milliseconds reopen_min{100};  // backoff while the device is missing or failing
  milliseconds reopen_max{10'000};

  friend bool operator==(const SerialSource&, const SerialSource&) = default;
};

struct StdinSource {
  friend bool operator==(const StdinSource&, const StdinSource&) = default;
};

enum class RestartPolicy : std::uint8_t { always, on_failure, never };

struct ExecSource {
  std::vector<std::string> command;  // program and arguments, not through a shell
  RestartPolicy restart = RestartPolicy::on_failure;
  bool pty = false;                // run on a pseudo-terminal, so stdio is line-buffered
  milliseconds stop_grace{5'000};  // SIGTERM, then SIGKILL after this
  milliseconds restart_min{100};
  milliseconds restart_max{10'000};
  std::string cwd;                                       // empty: the relay's
  std::vector<std::pair<std::string, std::string>> env;  // added to the relay's environment

  friend bool operator==(const ExecSource&, const ExecSource&) = default;
};

struct DemoSource {
  std::uint32_t rate = 200;  // messages per second
  std::size_t size = 250;    // bytes per message

  friend bool operator==(const DemoSource&, const DemoSource&) = default;
};

// [[source]]: a producer the relay reads from, and optionally writes back to.
struct SourceConfig {
  std::string name;                 // unique; default "<type>-<position>", e.g. "udp-1"
  std::string topic;                // a concrete topic name
  Framing framing = Framing::line;  // unused by demo sources
  std::size_t max_frame = 64 * KiB;
  std::size_t max_chunk = 64 * KiB;  // raw framing
  std::string sink_topic;            // empty: no sink
  std::size_t sink_max_buffered = 64 * KiB;
  // The alternatives are in SourceType order, which type() relies on.
  std::variant<UdpSource, TcpSource, SerialSource, StdinSource, ExecSource, DemoSource> settings;

  SourceType type() const { return static_cast<SourceType>(settings.index()); }
  FramingLimits framing_limits() const { return {max_frame, max_chunk}; }
  // Equal configurations: a reload leaves such a source running untouched.
  friend bool operator==(const SourceConfig&, const SourceConfig&) = default;
};

enum class BrokerType : std::uint8_t { none, redis };

// [broker]: what carries messages between several relays. None: this relay alone, as before
// (sequence numbers and history in memory). Redis: every publish goes through Redis, which
// numbers it, keeps its history in a stream, and delivers it to every relay (docs/broker.md).
struct BrokerConfig {
  BrokerType type = BrokerType::none;
  std::vector<RedisUrl> shards;   // `url`: one, or a list (topics spread over them by hash)
  std::string prefix = "sluice";  // of every key and channel: several clusters on one Redis
  milliseconds connect_timeout{2'000};
  milliseconds command_timeout{2'000};
  // A subscription connection is proven alive this often (a probe message through it); one
  // that stays silent for command_timeout after a probe is reconnected.
  milliseconds probe_interval{1'000};
  milliseconds reconnect_min{100};  // full-jitter backoff between reconnects, doubling
  milliseconds reconnect_max{5'000};
  // Messages from Redis held while a topic catches up (after a reconnect, or for a resuming
  // subscriber) at most; more are dropped, counted and reported as gaps.
  std::size_t inbound_queue = 10'000;
  // History kept in Redis for a topic with history = 0 and retain_last = false, so that a
  // relay can repair a gap after a reconnect. 0: none (a gap is then only reported).
  std::size_t repair_history = 1'000;
};

struct RelayConfig {
  std::string origin = "(built-in defaults)";  // the file it came from, for messages
  ServerConfig server;
  BrokerConfig broker;
  std::vector<TopicConfig> topics;  // in file order
  std::vector<SourceConfig> sources;
};

// Exactly one of the two: a checked configuration, or the first error found.
struct ConfigResult {
  std::optional<RelayConfig> config;
  ConfigError error;

  bool ok() const { return config.has_value(); }
};

// Reads and checks a file. A relative api_key_file is taken relative to the file's directory.
ConfigResult load_config_file(const std::string& path);
// Checks TOML text; `name` stands for the file in messages. A relative api_key_file is taken
// relative to the working directory.
ConfigResult load_config_string(std::string_view text, std::string_view name);

// The configuration without --config: listen on 127.0.0.1:8080, every topic open to
// subscribers, HTTP publishing from loopback only, no sources.
RelayConfig default_config();

}  // namespace sluice::relay
