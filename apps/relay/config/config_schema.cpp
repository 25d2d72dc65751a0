// The key tables. Each entry's default is the one declared in config.hpp, written as it would
// appear in the file.
#include "config/config_schema.hpp"

namespace sluice::relay {
namespace {

constexpr KeyInfo top_level[] = {
    {"server", "(table)", "the WebSocket and HTTP listener and its limits"},
    {"topic", "(array of tables)", "settings for the topics a name or pattern matches, most specific first"},
    {"source", "(array of tables)", "devices and programs to read messages from"},
    {"broker", "(table)", "what carries messages between several relays: none, or Redis"},
};

constexpr KeyInfo broker[] = {
    {"type", "\"none\"", "none (this relay alone) | redis (every publish through Redis, to every relay)"},
    {"url", "(required for redis)",
     "redis://[:PASSWORD@]HOST:PORT/DB or unix:/PATH?db=N; a list of them spreads topics over shards"},
    {"prefix", "\"sluice\"", "prefix of every Redis key and channel, so several clusters can share a Redis"},
    {"connect_timeout", "\"2s\"", "a connection to Redis must be ready within this"},
    {"command_timeout", "\"2s\"", "a command unanswered this long fails and its connection is dropped"},
    {"probe_interval", "\"1s\"",
     "a probe runs through each subscription this often; silence for command_timeout after it reconnects"},
    {"reconnect_min", "\"100ms\"", "first backoff before a reconnect (full jitter), doubling"},
    {"reconnect_max", "\"5s\"", "longest backoff before a reconnect"},
    {"inbound_queue", "10000", "messages held while topics catch up, at most; more are dropped and reported"},
    {"repair_history", "1000",
     "messages Redis keeps for topics without history, to repair gaps after a reconnect; 0: none"},
};

constexpr KeyInfo server[] = {
    {"listen", "\"127.0.0.1:8080\"",
     "HOST:PORT for WebSocket and HTTP; IPv6 as [::1]:8080; port 0 picks one"},
    {"threads", "1", "worker threads, each with its own event loop (1 to 256)"},
    {"max_connections", "10000", "open connections at most; more are refused"},
    {"max_connections_per_ip", "1000", "open connections from one IP address at most"},
    {"max_handshakes", "1024", "connections still in their opening handshake at most"},
    {"max_message_size", "\"1MiB\"", "largest message a client may send; larger closes with 1009"},
    {"allowed_origins", "[]", "browser Origins allowed to connect, e.g. \"https://example.org\"; empty: any"},
    {"api_key", "(none)", "secret for publishing, and for topics with subscribe = \"api_key\""},
    {"api_key_file", "(none)",
     "file holding the api_key, read at load (trailing newline removed); not with api_key"},
    {"http_publish_from", "[\"127.0.0.0/8\", \"::1/128\"]",
     "CIDR ranges that may publish over HTTP without the api_key"},
    {"max_buffered_bytes", "\"1MiB\"", "cap on one connection's send queue"},
    {"low_watermark", "\"256KiB\"", "a paused producer resumes when queues fall below this"},
    {"memory_limit", "(half the machine's or the cgroup's memory)",
     "memory limit of the relay: past it new subscribers and publishes get 503 and /readyz fails"},
    {"max_total_buffered_bytes", "(memory_limit)", "send-queue budget across all connections"},
    {"policy", "\"close\"", "at a cap: close | drop_newest | drop_oldest | latest | backpressure"},
    {"compression", "\"off\"",
     "permessage-deflate: off | shared (compressed once per publish, no state per connection) | dedicated"},
    {"compression_threshold", "64", "messages shorter than this many bytes go uncompressed"},
    {"close_grace", "\"0s\"", "under close: how long a connection may stay at its cap before it is closed"},
    {"write_timeout", "\"10s\"", "close a connection whose queue makes no progress this long; 0: never"},
    {"ping_interval", "\"30s\"", "ping a peer after this much silence; 0: never"},
    {"idle_timeout", "\"120s\"", "close a peer after this much silence; 0: never"},
    {"close_timeout", "\"5s\"", "wait this long for the peer's close, then cut"},
    {"handshake_timeout", "\"10s\"", "a client must complete its opening handshake within this"},
    {"shutdown_timeout", "\"5s\"", "bound on draining connections at shutdown"},
    {"shutdown_delay", "\"0s\"", "after SIGTERM, /readyz fails this long before the listener closes"},
    {"metrics", "true", "GET /metrics and the counting behind it; false to measure their cost"},
    {"send_buffer_bytes", "\"0B\"", "SO_SNDBUF for each socket; 0: the kernel's default"},
    {"tls_cert", "(none)",
     "PEM certificate chain: with tls_key, every connection speaks TLS (wss://, https://); read at load and "
     "on SIGHUP"},
    {"tls_key", "(none)", "PEM private key of tls_cert"},
    {"tls_key_passphrase_file", "(none)", "file whose first line decrypts an encrypted tls_key"},
    {"tls_sni", "[]",
     "more certificates, picked by the client's server name: [{ cert = \"...\", key = \"...\" }, ...]"},
    {"kernel_tls", "false", "let the kernel encrypt where it and OpenSSL can (SSL_OP_ENABLE_KTLS)"},
};

constexpr KeyInfo tls_sni[] = {
    {"cert", "(required)", "PEM certificate chain"},
    {"key", "(required)", "PEM private key of cert"},
    {"key_passphrase_file", "(none)", "file whose first line decrypts an encrypted key"},
};

constexpr KeyInfo topic[] = {
    {"match", "(required)",
     "the topic name or pattern ('*' one level, '**' any levels) this entry configures"},
    {"policy", "(server.policy)", "slow-consumer policy for these topics' subscribers"},
    {"compression", "(server.compression)", "off | shared | dedicated for these topics' messages"},
    {"max_buffered_bytes", "(server.max_buffered_bytes)", "send-queue cap for these topics' subscribers"},
    {"send_buffer_bytes", "(server.send_buffer_bytes)", "SO_SNDBUF for these topics' subscribers"},
    {"history", "0", "messages kept per topic so that clients can resume; 0: none"},
    {"history_bytes", "\"1MiB\"", "bound on the memory one topic's history holds"},
    {"history_age", "\"0s\"", "drop history older than this; 0: no age bound"},
    {"retain_last", "false", "keep each topic's newest message and send it to new subscribers"},
    {"publish", "[\"http\", \"sources\"]", "who may publish: any of \"http\", \"clients\", \"sources\""},
    {"subscribe", "\"anyone\"", "who may subscribe: anyone | api_key | nobody"},
    {"metrics", "false", "per-topic series in /metrics, labelled with this entry's match"},
};

constexpr KeyInfo source[] = {
    {"name", "\"<type>-<position>\"", "unique name for logs and metrics (letters, digits, '-', '_', '.')"},
    {"type", "(required)", "udp | tcp | serial | stdin | exec | demo"},
    {"topic", "(required)", "the topic (a name, no wildcards) its messages are published to"},
    {"framing", "(datagram for udp, line otherwise)",
     "line | len16 | len32 | slip | cobs | raw | datagram (udp only); not for demo"},
    {"max_frame", "\"64KiB\"", "longest message the framing accepts; longer frames are dropped and counted"},
    {"max_line", "\"64KiB\"", "framing = \"line\" only: another name for max_frame"},
    {"max_chunk", "\"64KiB\"", "framing = \"raw\" only: reads are cut into messages of at most this"},
    {"sink_topic", "(none)", "messages published to this topic are written back to the device; not for demo"},
    {"sink_max_buffered", "\"64KiB\"", "bytes waiting to be written to the device at most; more are dropped"},
};

constexpr KeyInfo udp[] = {
    {"listen", "(required)", "HOST:PORT to receive datagrams on"},
    {"recv_buffer", "\"4MiB\"",
     "receive buffer: SO_RCVBUFFORCE where permitted, else SO_RCVBUF as the kernel grants; 0: its default"},
};

constexpr KeyInfo tcp[] = {
    {"listen", "(none)",
     "accept connections on HOST:PORT, each one a stream; exactly one of listen and connect"},
    {"connect", "(none)",
     "connect to HOST:PORT and reconnect with backoff; exactly one of listen and connect"},
    {"max_connections", "16", "listen only: connections accepted at once"},
    {"reconnect_min", "\"100ms\"", "connect only: first backoff after a failure, doubling"},
    {"reconnect_max", "\"10s\"", "connect only: longest backoff"},
};

constexpr KeyInfo serial[] = {
    {"device", "(required)", "the serial device, e.g. \"/dev/ttyUSB0\""},
    {"baud", "115200", "a standard rate: 50 ... 4000000"},
    {"data_bits", "8", "5 to 8"},
    {"parity", "\"none\"", "none | even | odd"},
    {"stop_bits", "1", "1 or 2"},
    {"flow_control", "\"none\"", "none | rtscts | xonxoff"},
    {"reopen_min", "\"100ms\"", "first backoff while the device is missing or failing, doubling"},
    {"reopen_max", "\"10s\"", "longest backoff"},
};

constexpr KeyInfo exec[] = {
    {"command", "(required)", "program and arguments, e.g. [\"python3\", \"sensor.py\"]; no shell"},
    {"restart", "\"on-failure\"", "always | on-failure | never"},
    {"pty", "false", "run on a pseudo-terminal, so that the program's output is line-buffered"},
    {"stop_grace", "\"5s\"", "at stop: SIGTERM, then SIGKILL after this"},
    {"restart_min", "\"100ms\"", "first backoff before a restart, doubling"},
    {"restart_max", "\"10s\"", "longest backoff"},
    {"cwd", "(the relay's)", "working directory"},
    {"env", "{}", "variables added to the relay's environment, e.g. { PYTHONUNBUFFERED = \"1\" }"},
};

constexpr KeyInfo demo[] = {
    {"rate", "200", "messages per second (1 to 1000000)"},
    {"size", "250", "bytes per message"},
};

void describe_table(std::string& out, std::string_view header, std::span<const KeyInfo> keys) {
  out += header;
  out += '\n';
  for (const KeyInfo& k : keys) {
    out += "  ";
    out += k.name;
    out += " = ";
    out += k.default_value;
    out += "\n      ";
    out += k.meaning;
    out += '\n';
  }
  out += '\n';
}

}  // namespace

std::span<const KeyInfo> top_level_keys() { return top_level; }
std::span<const KeyInfo> server_keys() { return server; }
std::span<const KeyInfo> tls_sni_keys() { return tls_sni; }
std::span<const KeyInfo> topic_keys() { return topic; }
std::span<const KeyInfo> broker_keys() { return broker; }
std::span<const KeyInfo> source_keys() { return source; }

std::span<const KeyInfo> source_type_keys(SourceType type) {
  switch (type) {
    case SourceType::udp: return udp;
    case SourceType::tcp: return tcp;
    case SourceType::serial: return serial;
    case SourceType::standard_input: return {};
    case SourceType::exec: return exec;
    case SourceType::demo: return demo;
  }
  return {};
}

const KeyInfo* find_key(std::span<const KeyInfo> keys, std::string_view name) {
  for (const KeyInfo& k : keys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string describe_config() {
  std::string out;
  describe_table(out, "[server]", server_keys());
  describe_table(out, "[server] tls_sni = [{ ... }] (each entry)", tls_sni_keys());
  describe_table(out, "[[topic]]", topic_keys());
  describe_table(out, "[broker]", broker_keys());
  describe_table(out, "[[source]] (every type)", source_keys());
  for (SourceType t : {SourceType::udp, SourceType::tcp, SourceType::serial, SourceType::standard_input,
                       SourceType::exec, SourceType::demo}) {
    const auto keys = source_type_keys(t);
    const std::string header = "[[source]] type = \"" + std::string(to_string(t)) + "\"";
    if (keys.empty()) {
      out += header + "\n  (no keys of its own)\n\n";
    } else {
      describe_table(out, header, keys);
    }
  }
  return out;
}

}  // namespace sluice::relay
