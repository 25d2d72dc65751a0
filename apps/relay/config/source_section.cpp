// One [[source]]: its type decides which keys it may have. The keys every type shares come
// first (name, topic, framing, sink), then the type's own; a key of another type is refused
// with the type it belongs to, so a misplaced key reads as what it is.
#include <algorithm>
#include <array>
#include <iterator>
#include <vector>

#include "config/sections.hpp"
#include "topics/topic_pattern.hpp"

namespace sluice::relay::detail {
namespace {

using std::chrono::hours;

constexpr std::size_t max_frame_limit = 64 * MiB;

constexpr std::array<SourceType, 6> all_types = {SourceType::udp,    SourceType::tcp,
                                                 SourceType::serial, SourceType::standard_input,
                                                 SourceType::exec,   SourceType::demo};

constexpr EnumName<SourceType> type_names[] = {
    {"udp", SourceType::udp},       {"tcp", SourceType::tcp},
    {"serial", SourceType::serial}, {"stdin", SourceType::standard_input},
    {"exec", SourceType::exec},     {"demo", SourceType::demo},
};

constexpr EnumName<Framing> framing_names[] = {
    {"line", Framing::line},         {"len16", Framing::len16}, {"len32", Framing::len32},
    {"slip", Framing::slip},         {"cobs", Framing::cobs},   {"raw", Framing::raw},
    {"datagram", Framing::datagram},
};

constexpr EnumName<Parity> parity_names[] = {
    {"none", Parity::none}, {"even", Parity::even}, {"odd", Parity::odd}};

constexpr EnumName<FlowControl> flow_names[] = {
    {"none", FlowControl::none}, {"rtscts", FlowControl::rtscts}, {"xonxoff", FlowControl::xonxoff}};

constexpr EnumName<RestartPolicy> restart_names[] = {{"always", RestartPolicy::always},
                                                     {"on-failure", RestartPolicy::on_failure},
                                                     {"never", RestartPolicy::never}};

// The rates termios defines (<termios.h> B50 ... B4000000).
constexpr std::uint32_t baud_rates[] = {50,      75,      110,     134,     150,     200,    300,     600,
                                        1200,    1800,    2400,    4800,    9600,    19200,  38400,   57600,
                                        115200,  230400,  460800,  500000,  576000,  921600, 1000000, 1152000,
                                        1500000, 2000000, 2500000, 3000000, 3500000, 4000000};

// Keys shared by every type that a demo source, which reads nothing, does not take.
bool demo_accepts(std::string_view key) { return key == "name" || key == "type" || key == "topic"; }

void check_source_keys(const TableReader& r, SourceType type) {
  const std::string type_name(to_string(type));
  for (const auto& [key, value] : r.table()) {
    const std::string_view k = key.str();
    if (find_key(source_keys(), k) != nullptr) {
      if (type == SourceType::demo && !demo_accepts(k)) {
        r.fail_key(k, "key '" + std::string(k) + "' is not valid for a demo source");
      }
      continue;
    }
    if (find_key(source_type_keys(type), k) != nullptr) continue;
    for (SourceType other : all_types) {
      if (find_key(source_type_keys(other), k) != nullptr) {
        r.fail_key(k, "key '" + std::string(k) + "' is not valid for a " + type_name +
                          " source (it is a key of " + std::string(to_string(other)) + " sources)");
      }
    }
  }
  std::vector<KeyInfo> known(source_keys().begin(), source_keys().end());
  known.insert(known.end(), source_type_keys(type).begin(), source_type_keys(type).end());
  r.check_keys(known);
}

// A source's name shows in logs and metric labels: keep it short and plain.
bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void read_topic_name(const TableReader& r, std::string_view key, std::string& out) {
  r.read_string(key, out);
  if (out.empty()) return;
  if (const TopicCheck c = check_topic_name(out); c != TopicCheck::ok) {
    r.fail(key, "\"" + out + "\" " + std::string(describe(c)));
  }
}

void read_framing(const TableReader& r, SourceType type, SourceConfig& s) {
  s.framing = type == SourceType::udp ? Framing::datagram : Framing::line;
  r.read_enum("framing", framing_names, s.framing);
  if (type == SourceType::udp && s.framing != Framing::datagram) {
    r.fail("framing", "a udp source takes framing = \"datagram\" only: each datagram is one message");
  }
  if (type != SourceType::udp && s.framing == Framing::datagram) {
    r.fail("framing", "framing \"datagram\" is for udp sources only");
  }
  if (r.has("max_line")) {
    if (s.framing != Framing::line)
      r.fail_key("max_line", "key 'max_line' is for framing = \"line\" only; use max_frame");
    if (r.has("max_frame")) r.fail_key("max_line", "set max_line or max_frame, not both");
    r.read_size("max_line", 1, max_frame_limit, s.max_frame);
  }
  if (r.has("max_frame") && s.framing == Framing::raw) {
    r.fail_key("max_frame", "key 'max_frame' does not apply to raw framing, which cuts reads at max_chunk");
  }
  if (r.has("max_chunk") && s.framing != Framing::raw) {
    r.fail_key("max_chunk", "key 'max_chunk' is for framing = \"raw\" only");
  }
  r.read_size("max_frame", 1, max_frame_limit, s.max_frame);
  r.read_size("max_chunk", 1, max_frame_limit, s.max_chunk);
}

void read_sink(const TableReader& r, SourceConfig& s) {
  read_topic_name(r, "sink_topic", s.sink_topic);
  if (!s.sink_topic.empty() && s.sink_topic == s.topic) {
    r.fail("sink_topic", "must differ from topic: the device would be sent its own messages");
  }
  if (r.has("sink_max_buffered") && s.sink_topic.empty()) {
    r.fail_key("sink_max_buffered", "key 'sink_max_buffered' needs a sink_topic");
  }
  r.read_size("sink_max_buffered", 1, 1 * GiB, s.sink_max_buffered);
}

void read_backoff(const TableReader& r, std::string_view min_key, std::string_view max_key, milliseconds& min,
                  milliseconds& max) {
  r.read_duration(min_key, milliseconds{1}, hours{1}, min);
  r.read_duration(max_key, milliseconds{1}, hours{24}, max);
  if (min > max) {
    r.fail(r.has(max_key) ? max_key : min_key, "the backoff runs from " + std::string(min_key) + " to " +
                                                   std::string(max_key) + ", so " + std::string(max_key) +
                                                   " must not be below " + std::string(min_key));
  }
}

UdpSource read_udp(const TableReader& r) {
  UdpSource u;
  if (!r.has("listen")) r.fail_table("a udp source needs 'listen': the HOST:PORT to receive datagrams on");
  r.read_endpoint("listen", u.listen);
  r.read_size("recv_buffer", 0, 1 * GiB, u.recv_buffer);
  return u;
}

TcpSource read_tcp(const TableReader& r) {
  TcpSource t;
  const bool listen = r.has("listen");
  const bool connect = r.has("connect");
  if (!listen && !connect) r.fail_table("a tcp source needs 'listen' (accept connections) or 'connect'");
  if (listen && connect) r.fail_key("connect", "a tcp source takes 'listen' or 'connect', not both");
  t.role = listen ? TcpRole::listen : TcpRole::connect;
  if (listen) {
    for (std::string_view k : {"reconnect_min", "reconnect_max"}) {
      if (r.has(k)) r.fail_key(k, "key '" + std::string(k) + "' is for tcp sources with 'connect'");
    }
    r.read_endpoint("listen", t.endpoint);
    r.read_int("max_connections", 1, 65'535, t.max_connections);
  } else {
    if (r.has("max_connections"))
      r.fail_key("max_connections", "key 'max_connections' is for tcp sources with 'listen'");
    r.read_endpoint("connect", t.endpoint);
    if (t.endpoint.port == 0) r.fail("connect", "port 0 cannot be connected to");
    read_backoff(r, "reconnect_min", "reconnect_max", t.reconnect_min, t.reconnect_max);
  }
  return t;
}

SerialSource read_serial(const TableReader& r) {
  SerialSource s;
  if (!r.has("device")) r.fail_table("a serial source needs 'device', e.g. \"/dev/ttyUSB0\"");
  r.read_string("device", s.device);
  if (r.has("baud")) {
    std::int64_t baud = 0;
    r.read_int("baud", 1, 4'000'000, baud);
    if (std::find(std::begin(baud_rates), std::end(baud_rates), baud) == std::end(baud_rates)) {
      r.fail("baud", std::to_string(baud) + " is not a standard rate (e.g. 9600, 115200, 921600)");
    }
    s.baud = static_cast<std::uint32_t>(baud);
  }
  r.read_int("data_bits", 5, 8, s.data_bits);
  r.read_enum("parity", parity_names, s.parity);
  r.read_int("stop_bits", 1, 2, s.stop_bits);
  r.read_enum("flow_control", flow_names, s.flow_control);
  read_backoff(r, "reopen_min", "reopen_max", s.reopen_min, s.reopen_max);
  return s;
}

void read_env(const TableReader& r, ExecSource& e) {
  const toml::node* node = r.find("env");
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  if (table == nullptr)
    r.fail("env", "expected a table such as { NAME = \"value\" }, got " + type_name(*node));
  for (const auto& [key, value] : *table) {
    const std::string_view name = key.str();
    if (name.empty() || name.find('=') != std::string_view::npos ||
        name.find('\0') != std::string_view::npos) {
      fail_at(r.file(), key.source(), "source.env: \"" + std::string(name) + "\" is not a variable name");
    }
    const auto* s = value.as_string();
    if (s == nullptr) r.fail(value, "env", "expected a string, got " + type_name(value));
    if (s->get().find('\0') != std::string::npos) r.fail(value, "env", "must not contain a NUL character");
    e.env.emplace_back(std::string(name), s->get());
  }
}

ExecSource read_exec(const TableReader& r) {
  ExecSource e;
  if (!r.has("command")) r.fail_table("an exec source needs 'command', e.g. [\"python3\", \"sensor.py\"]");
  r.read_strings("command", e.command, [](const std::string& arg) {
    return arg.find('\0') == std::string::npos ? std::string()
                                               : std::string("must not contain a NUL character");
  });
  if (e.command.empty()) r.fail("command", "must name the program to run");
  if (e.command.front().empty()) r.fail("command", "the program name must not be empty");
  r.read_enum("restart", restart_names, e.restart);
  r.read_bool("pty", e.pty);
  r.read_duration("stop_grace", milliseconds{0}, hours{1}, e.stop_grace);
  read_backoff(r, "restart_min", "restart_max", e.restart_min, e.restart_max);
  r.read_string("cwd", e.cwd);
  read_env(r, e);
  return e;
}

DemoSource read_demo(const TableReader& r) {
  DemoSource d;
  r.read_int("rate", 1, 1'000'000, d.rate);
  r.read_size("size", 1, 16 * MiB, d.size);
  return d;
}

void read_settings(const TableReader& r, SourceType type, SourceConfig& s) {
  switch (type) {
    case SourceType::udp: s.settings = read_udp(r); return;
    case SourceType::tcp: s.settings = read_tcp(r); return;
    case SourceType::serial: s.settings = read_serial(r); return;
    case SourceType::standard_input: s.settings = StdinSource{}; return;
    case SourceType::exec: s.settings = read_exec(r); return;
    case SourceType::demo: s.settings = read_demo(r); return;
  }
}

}  // namespace

SourceEntry read_source(const TableReader& r, std::size_t position) {
  if (!r.has("type")) r.fail_table("[[source]] needs 'type': udp | tcp | serial | stdin | exec | demo");
  const SourceType type = r.enum_value<SourceType>(*r.find("type"), "type", type_names);
  check_source_keys(r, type);
  SourceEntry entry;
  SourceConfig& s = entry.config;
  s.name = std::string(to_string(type)) + "-" + std::to_string(position);
  if (r.has("name")) {
    r.read_string("name", s.name);
    if (!is_valid_name(s.name)) {
      r.fail("name", "\"" + s.name + "\" must be 1 to 64 letters, digits, '-', '_' or '.'");
    }
  }
  if (!r.has("topic")) r.fail_table("[[source]] needs 'topic': the topic its messages are published to");
  read_topic_name(r, "topic", s.topic);
  if (type != SourceType::demo) {
    read_framing(r, type, s);
    read_sink(r, s);
  }
  read_settings(r, type, s);
  entry.name_at = r.where("name");
  entry.type_at = r.where("type");
  entry.topic_at = r.where("topic");
  entry.listen_at = r.where("listen");
  return entry;
}

}  // namespace sluice::relay::detail
