#include "relay/server_options.hpp"

#include <algorithm>

namespace sluice::relay {

sluice::ServerOptions engine_options(const ServerConfig& c, std::uint64_t memory_limit) {
  sluice::ServerOptions o;
  o.host = c.listen.host;
  o.port = c.listen.port;
  o.threads = c.threads;
  o.max_connections = c.max_connections;
  o.max_connections_per_ip = c.max_connections_per_ip;
  o.max_handshakes = c.max_handshakes;
  o.handshake_timeout = c.handshake_timeout;
  o.max_message_size = c.max_message_size;
  // An HTTP publish carries one message: the engine answers a larger body 413 before reading it.
  o.max_body_bytes = c.max_message_size;
  o.max_buffered_bytes = c.max_buffered_bytes;
  o.low_watermark = c.low_watermark;
  o.max_total_buffered_bytes = c.max_total_buffered_bytes.value_or(memory_limit);
  if (!c.metrics) o.delivery_latency_sampling = 0;
  o.policy = c.policy;
  o.compression = c.compression;
  o.compression_threshold = c.compression_threshold;
  o.close_grace = c.close_grace;
  o.write_timeout = c.write_timeout;
  o.send_buffer_bytes = static_cast<int>(std::min<std::size_t>(c.send_buffer_bytes, 1u << 30));
  o.ping_interval = c.ping_interval;
  o.idle_timeout = c.idle_timeout;
  o.close_timeout = c.close_timeout;
  o.shutdown_timeout = c.shutdown_timeout;
  o.tls = c.tls;
  return o;
}

std::string settings_needing_restart(const ServerConfig& a, const ServerConfig& b) {
  std::string out;
  auto check = [&](bool same, const char* key) {
    if (same) return;
    if (!out.empty()) out += ", ";
    out += key;
  };
  check(a.listen == b.listen, "listen");
  check(a.threads == b.threads, "threads");
  check(a.max_connections == b.max_connections, "max_connections");
  check(a.max_connections_per_ip == b.max_connections_per_ip, "max_connections_per_ip");
  check(a.max_handshakes == b.max_handshakes, "max_handshakes");
  check(a.max_message_size == b.max_message_size, "max_message_size (the engine's part)");
  check(a.max_buffered_bytes == b.max_buffered_bytes, "max_buffered_bytes");
  check(a.low_watermark == b.low_watermark, "low_watermark");
  check(a.max_total_buffered_bytes == b.max_total_buffered_bytes, "max_total_buffered_bytes");
  check(a.policy == b.policy, "policy");
  check(a.compression == b.compression, "compression");
  check(a.compression_threshold == b.compression_threshold, "compression_threshold");
  check(a.close_grace == b.close_grace, "close_grace");
  check(a.write_timeout == b.write_timeout, "write_timeout");
  check(a.ping_interval == b.ping_interval, "ping_interval");
  check(a.idle_timeout == b.idle_timeout, "idle_timeout");
  check(a.close_timeout == b.close_timeout, "close_timeout");
  check(a.handshake_timeout == b.handshake_timeout, "handshake_timeout");
  check(a.shutdown_timeout == b.shutdown_timeout, "shutdown_timeout");
  check(a.memory_limit == b.memory_limit, "memory_limit");
  check(a.metrics == b.metrics, "metrics");
  check(a.send_buffer_bytes == b.send_buffer_bytes, "send_buffer_bytes");
  // The certificates themselves are reloaded; whether the port speaks TLS is not.
  check(a.tls.enabled() == b.tls.enabled(), "tls_cert (TLS on or off)");
  check(a.tls.kernel_tls == b.tls.kernel_tls, "kernel_tls");
  return out;
}

}  // namespace sluice::relay
