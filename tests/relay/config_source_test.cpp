// [[source]] entries: the keys every type shares, each type's own keys, keys of another type,
// framing rules, and the checks across sources (names, stdin, listeners, publish rights).
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_helpers.hpp"

namespace sluice::relay {
namespace {

using test::config_of;
using test::contains;
using test::error_of;
using test::message_of;

SourceConfig source_of(std::string_view body) {
  const RelayConfig c = config_of("[[source]]\n" + std::string(body));
  EXPECT_EQ(c.sources.size(), 1u);
  return c.sources.empty() ? SourceConfig{} : c.sources[0];
}

std::string source_error(std::string_view body) { return message_of("[[source]]\n" + std::string(body)); }

TEST(RelayConfigSource, TypeIsRequired) {
  const ConfigError e = error_of("[[source]]\ntopic = \"a\"\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.message, "[[source]] needs 'type': udp | tcp | serial | stdin | exec | demo");
  EXPECT_EQ(source_error("type = \"usb\"\ntopic = \"a\"\n"),
            "source.type: \"usb\" is not one of udp | tcp | serial | stdin | exec | demo");
}

TEST(RelayConfigSource, TopicIsRequiredAndConcrete) {
  EXPECT_EQ(source_error("type = \"stdin\"\n"),
            "[[source]] needs 'topic': the topic its messages are published to");
  const ConfigError e = error_of("[[source]]\ntype = \"stdin\"\ntopic = \"sensors/*\"\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.message, "source.topic: \"sensors/*\" contains '*', which only patterns may use");
}

TEST(RelayConfigSource, DefaultNameIsTypeAndPosition) {
  const RelayConfig c = config_of(
      "[[source]]\ntype = \"stdin\"\ntopic = \"a\"\n"
      "[[source]]\ntype = \"demo\"\ntopic = \"b\"\n"
      "[[source]]\ntype = \"demo\"\nname = \"mine\"\ntopic = \"c\"\n");
  ASSERT_EQ(c.sources.size(), 3u);
  EXPECT_EQ(c.sources[0].name, "stdin-1");
  EXPECT_EQ(c.sources[1].name, "demo-2");
  EXPECT_EQ(c.sources[2].name, "mine");
}

TEST(RelayConfigSource, NamesAreUniqueAndPlain) {
  const ConfigError e = error_of(
      "[[source]]\ntype = \"demo\"\nname = \"x\"\ntopic = \"a\"\n"
      "[[source]]\ntype = \"demo\"\nname = \"x\"\ntopic = \"b\"\n");
  EXPECT_EQ(e.line, 7u);
  EXPECT_EQ(e.message, "source name 'x' is already used at line 3");
  EXPECT_TRUE(contains(message_of("[[source]]\ntype = \"demo\"\ntopic = \"a\"\n[[source]]\ntype = "
                                  "\"demo\"\nname = \"demo-1\"\ntopic = "
                                  "\"b\"\n"),
                       "source name 'demo-1' is already used at line 1"));
  EXPECT_EQ(source_error("type = \"demo\"\nname = \"my radio\"\ntopic = \"a\"\n"),
            "source.name: \"my radio\" must be 1 to 64 letters, digits, '-', '_' or '.'");
}

TEST(RelayConfigSource, KeyOfAnotherTypeIsAnErrorNamingItsType) {
  const ConfigError e =
      error_of("[[source]]\ntype = \"udp\"\ntopic = \"a\"\nlisten = \"0.0.0.0:5000\"\nbaud = 9600\n");
  EXPECT_EQ(e.line, 5u);
  EXPECT_EQ(e.column, 1u);
  EXPECT_EQ(e.message, "key 'baud' is not valid for a udp source (it is a key of serial sources)");
}

TEST(RelayConfigSource, UnknownKeyIsAnErrorWithASuggestion) {
  EXPECT_EQ(source_error("type = \"serial\"\ntopic = \"a\"\ndevice = \"/dev/ttyS0\"\nbuad = 9600\n"),
            "unknown key 'buad' in [[source]] (did you mean 'baud'?)");
}

TEST(RelayConfigSource, UdpListensAndTakesDatagramFramingOnly) {
  const SourceConfig s =
      source_of("type = \"udp\"\ntopic = \"a\"\nlisten = \"0.0.0.0:5000\"\nrecv_buffer = \"4MiB\"\n");
  EXPECT_EQ(s.type(), SourceType::udp);
  EXPECT_EQ(s.framing, Framing::datagram);
  const auto& udp = std::get<UdpSource>(s.settings);
  EXPECT_EQ(udp.listen, (Endpoint{"0.0.0.0", 5000}));
  EXPECT_EQ(udp.recv_buffer, 4u << 20);
  EXPECT_EQ(source_error("type = \"udp\"\ntopic = \"a\"\nlisten = \"0.0.0.0:5000\"\nframing = \"line\"\n"),
            "source.framing: a udp source takes framing = \"datagram\" only: each datagram is one message");
  EXPECT_EQ(source_error("type = \"udp\"\ntopic = \"a\"\n"),
            "a udp source needs 'listen': the HOST:PORT to receive datagrams on");
}

TEST(RelayConfigSource, DatagramFramingIsForUdpOnly) {
  EXPECT_EQ(source_error("type = \"stdin\"\ntopic = \"a\"\nframing = \"datagram\"\n"),
            "source.framing: framing \"datagram\" is for udp sources only");
}

TEST(RelayConfigSource, StreamsDefaultToLineFraming) {
  const SourceConfig s = source_of("type = \"stdin\"\ntopic = \"a\"\n");
  EXPECT_EQ(s.framing, Framing::line);
  EXPECT_EQ(s.max_frame, 64u * 1024);
  EXPECT_EQ(s.framing_limits().max_frame, 64u * 1024);
}

TEST(RelayConfigSource, MaxLineIsMaxFrameForLineFramingOnly) {
  EXPECT_EQ(source_of("type = \"stdin\"\ntopic = \"a\"\nmax_line = \"1KiB\"\n").max_frame, 1024u);
  EXPECT_EQ(source_error("type = \"stdin\"\ntopic = \"a\"\nframing = \"slip\"\nmax_line = 10\n"),
            "key 'max_line' is for framing = \"line\" only; use max_frame");
  EXPECT_EQ(source_error("type = \"stdin\"\ntopic = \"a\"\nmax_line = 10\nmax_frame = 10\n"),
            "set max_line or max_frame, not both");
}

TEST(RelayConfigSource, MaxChunkIsForRawFramingOnly) {
  const SourceConfig s =
      source_of("type = \"stdin\"\ntopic = \"a\"\nframing = \"raw\"\nmax_chunk = \"4KiB\"\n");
  EXPECT_EQ(s.framing, Framing::raw);
  EXPECT_EQ(s.max_chunk, 4096u);
  EXPECT_EQ(source_error("type = \"stdin\"\ntopic = \"a\"\nmax_chunk = 10\n"),
            "key 'max_chunk' is for framing = \"raw\" only");
  EXPECT_EQ(source_error("type = \"stdin\"\ntopic = \"a\"\nframing = \"raw\"\nmax_frame = 10\n"),
            "key 'max_frame' does not apply to raw framing, which cuts reads at max_chunk");
  EXPECT_TRUE(contains(source_error("type = \"stdin\"\ntopic = \"a\"\nmax_frame = 0\n"),
                       "source.max_frame: must be from 1B to 64MiB, not 0B"));
}

TEST(RelayConfigSource, EveryFramingHasItsName) {
  for (std::string_view f : {"line", "len16", "len32", "slip", "cobs", "raw"}) {
    const SourceConfig s =
        source_of("type = \"stdin\"\ntopic = \"a\"\nframing = \"" + std::string(f) + "\"\n");
    EXPECT_EQ(to_string(s.framing), f);
  }
  EXPECT_TRUE(contains(source_error("type = \"stdin\"\ntopic = \"a\"\nframing = \"lines\"\n"),
                       "\"lines\" is not one of line | len16 | len32 | slip | cobs | raw | datagram"));
}

TEST(RelayConfigSource, DemoTakesOnlyItsOwnKeys) {
  const SourceConfig s = source_of("type = \"demo\"\ntopic = \"a\"\nrate = 10\nsize = \"1KiB\"\n");
  const auto& demo = std::get<DemoSource>(s.settings);
  EXPECT_EQ(demo.rate, 10u);
  EXPECT_EQ(demo.size, 1024u);
  EXPECT_EQ(std::get<DemoSource>(source_of("type = \"demo\"\ntopic = \"a\"\n").settings).rate, 200u);
  EXPECT_EQ(source_error("type = \"demo\"\ntopic = \"a\"\nframing = \"line\"\n"),
            "key 'framing' is not valid for a demo source");
  EXPECT_EQ(source_error("type = \"demo\"\ntopic = \"a\"\nsink_topic = \"b\"\n"),
            "key 'sink_topic' is not valid for a demo source");
  EXPECT_EQ(source_error("type = \"demo\"\ntopic = \"a\"\nrate = 0\n"),
            "source.rate: must be from 1 to 1000000, not 0");
}

TEST(RelayConfigSource, SinkTopicIsConcreteAndNotTheSourceTopic) {
  const SourceConfig s =
      source_of("type = \"stdin\"\ntopic = \"a\"\nsink_topic = \"cmd/a\"\nsink_max_buffered = \"1KiB\"\n");
  EXPECT_EQ(s.sink_topic, "cmd/a");
  EXPECT_EQ(s.sink_max_buffered, 1024u);
  EXPECT_TRUE(source_of("type = \"stdin\"\ntopic = \"a\"\n").sink_topic.empty());
  EXPECT_EQ(source_error("type = \"stdin\"\ntopic = \"a\"\nsink_topic = \"a\"\n"),
            "source.sink_topic: must differ from topic: the device would be sent its own messages");
  EXPECT_TRUE(
      contains(source_error("type = \"stdin\"\ntopic = \"a\"\nsink_topic = \"cmd/**\"\n"), "contains '*'"));
  EXPECT_EQ(source_error("type = \"stdin\"\ntopic = \"a\"\nsink_max_buffered = 10\n"),
            "key 'sink_max_buffered' needs a sink_topic");
}

TEST(RelayConfigSource, TcpListens) {
  const SourceConfig s =
      source_of("type = \"tcp\"\ntopic = \"a\"\nlisten = \"127.0.0.1:7000\"\nmax_connections = 4\n");
  const auto& tcp = std::get<TcpSource>(s.settings);
  EXPECT_EQ(tcp.role, TcpRole::listen);
  EXPECT_EQ(tcp.endpoint, (Endpoint{"127.0.0.1", 7000}));
  EXPECT_EQ(tcp.max_connections, 4u);
  EXPECT_EQ(
      source_error("type = \"tcp\"\ntopic = \"a\"\nlisten = \"127.0.0.1:7000\"\nreconnect_min = \"1s\"\n"),
      "key 'reconnect_min' is for tcp sources with 'connect'");
}

TEST(RelayConfigSource, TcpConnects) {
  const SourceConfig s = source_of(
      "type = \"tcp\"\ntopic = \"a\"\nconnect = \"gw.local:7000\"\nreconnect_min = \"50ms\"\nreconnect_max = "
      "\"5s\"\n");
  const auto& tcp = std::get<TcpSource>(s.settings);
  EXPECT_EQ(tcp.role, TcpRole::connect);
  EXPECT_EQ(tcp.endpoint, (Endpoint{"gw.local", 7000}));
  EXPECT_EQ(tcp.reconnect_min, milliseconds{50});
  EXPECT_EQ(tcp.reconnect_max, milliseconds{5000});
  EXPECT_EQ(source_error("type = \"tcp\"\ntopic = \"a\"\nconnect = \"h:7000\"\nmax_connections = 2\n"),
            "key 'max_connections' is for tcp sources with 'listen'");
  EXPECT_EQ(source_error("type = \"tcp\"\ntopic = \"a\"\nconnect = \"h:0\"\n"),
            "source.connect: port 0 cannot be connected to");
}

TEST(RelayConfigSource, TcpTakesExactlyOneOfListenAndConnect) {
  EXPECT_EQ(source_error("type = \"tcp\"\ntopic = \"a\"\n"),
            "a tcp source needs 'listen' (accept connections) or 'connect'");
  const ConfigError e =
      error_of("[[source]]\ntype = \"tcp\"\ntopic = \"a\"\nlisten = \"h:1\"\nconnect = \"h:2\"\n");
  EXPECT_EQ(e.line, 5u);
  EXPECT_EQ(e.message, "a tcp source takes 'listen' or 'connect', not both");
}

TEST(RelayConfigSource, BackoffMinimumMayNotExceedItsMaximum) {
  EXPECT_TRUE(
      contains(source_error("type = \"tcp\"\ntopic = \"a\"\nconnect = \"h:1\"\nreconnect_min = \"20s\"\n"),
               "source.reconnect_min: the backoff runs from reconnect_min to reconnect_max"));
  EXPECT_TRUE(contains(source_error("type = \"tcp\"\ntopic = \"a\"\nconnect = \"h:1\"\nreconnect_min = 0\n"),
                       "must be from 1ms to 1h"));
}

TEST(RelayConfigSource, SerialReadsItsLineSettings) {
  const SourceConfig s = source_of(R"(type = "serial"
topic = "a"
device = "/dev/ttyACM0"
baud = 921600
data_bits = 7
parity = "even"
stop_bits = 2
flow_control = "rtscts"
reopen_min = "1s"
reopen_max = "1min"
)");
  const auto& serial = std::get<SerialSource>(s.settings);
  EXPECT_EQ(serial.device, "/dev/ttyACM0");
  EXPECT_EQ(serial.baud, 921600u);
  EXPECT_EQ(serial.data_bits, 7);
  EXPECT_EQ(serial.parity, Parity::even);
  EXPECT_EQ(serial.stop_bits, 2);
  EXPECT_EQ(serial.flow_control, FlowControl::rtscts);
  EXPECT_EQ(serial.reopen_min, milliseconds{1000});
  EXPECT_EQ(serial.reopen_max, milliseconds{60'000});
}

TEST(RelayConfigSource, SerialChecksItsSettings) {
  EXPECT_EQ(source_error("type = \"serial\"\ntopic = \"a\"\n"),
            "a serial source needs 'device', e.g. \"/dev/ttyUSB0\"");
  EXPECT_EQ(source_error("type = \"serial\"\ntopic = \"a\"\ndevice = \"d\"\nbaud = 12345\n"),
            "source.baud: 12345 is not a standard rate (e.g. 9600, 115200, 921600)");
  EXPECT_EQ(source_error("type = \"serial\"\ntopic = \"a\"\ndevice = \"d\"\ndata_bits = 9\n"),
            "source.data_bits: must be from 5 to 8, not 9");
  EXPECT_EQ(source_error("type = \"serial\"\ntopic = \"a\"\ndevice = \"d\"\nstop_bits = 3\n"),
            "source.stop_bits: must be from 1 to 2, not 3");
  EXPECT_TRUE(contains(source_error("type = \"serial\"\ntopic = \"a\"\ndevice = \"d\"\nparity = \"mark\"\n"),
                       "\"mark\" is not one of none | even | odd"));
  EXPECT_TRUE(
      contains(source_error("type = \"serial\"\ntopic = \"a\"\ndevice = \"d\"\nflow_control = \"hw\"\n"),
               "\"hw\" is not one of none | rtscts | xonxoff"));
}

TEST(RelayConfigSource, ExecReadsItsSettings) {
  const SourceConfig s = source_of(R"(type = "exec"
topic = "a"
command = ["python3", "-u", "sensor.py", ""]
restart = "always"
pty = true
stop_grace = "2s"
restart_min = "1s"
restart_max = "30s"
cwd = "/srv/sensor"
env = { PYTHONUNBUFFERED = "1", "MODE" = "fast" }
)");
  const auto& e = std::get<ExecSource>(s.settings);
  EXPECT_EQ(e.command, (std::vector<std::string>{"python3", "-u", "sensor.py", ""}));
  EXPECT_EQ(e.restart, RestartPolicy::always);
  EXPECT_TRUE(e.pty);
  EXPECT_EQ(e.stop_grace, milliseconds{2000});
  EXPECT_EQ(e.restart_min, milliseconds{1000});
  EXPECT_EQ(e.restart_max, milliseconds{30'000});
  EXPECT_EQ(e.cwd, "/srv/sensor");
  ASSERT_EQ(e.env.size(), 2u);
  EXPECT_EQ(e.env[0], (std::pair<std::string, std::string>{"MODE", "fast"}));  // in name order
  EXPECT_EQ(e.env[1], (std::pair<std::string, std::string>{"PYTHONUNBUFFERED", "1"}));
  EXPECT_EQ(
      std::get<ExecSource>(source_of("type = \"exec\"\ntopic = \"a\"\ncommand = [\"x\"]\n").settings).restart,
      RestartPolicy::on_failure);
}

TEST(RelayConfigSource, ExecChecksItsSettings) {
  EXPECT_EQ(source_error("type = \"exec\"\ntopic = \"a\"\n"),
            "an exec source needs 'command', e.g. [\"python3\", \"sensor.py\"]");
  EXPECT_EQ(source_error("type = \"exec\"\ntopic = \"a\"\ncommand = []\n"),
            "source.command: must name the program to run");
  EXPECT_EQ(source_error("type = \"exec\"\ntopic = \"a\"\ncommand = [\"\"]\n"),
            "source.command: the program name must not be empty");
  EXPECT_EQ(source_error("type = \"exec\"\ntopic = \"a\"\ncommand = \"python3 x.py\"\n"),
            "source.command: expected an array of strings, got a string");
  EXPECT_EQ(source_error("type = \"exec\"\ntopic = \"a\"\ncommand = [\"x\"]\nrestart = \"on_failure\"\n"),
            "source.restart: \"on_failure\" is not one of always | on-failure | never");
  const ConfigError e =
      error_of("[[source]]\ntype = \"exec\"\ntopic = \"a\"\ncommand = [\"x\"]\nenv = { A = 1 }\n");
  EXPECT_EQ(e.line, 5u);
  EXPECT_EQ(e.column, 13u);
  EXPECT_EQ(e.message, "source.env: expected a string, got an integer");
  EXPECT_TRUE(
      contains(source_error("type = \"exec\"\ntopic = \"a\"\ncommand = [\"x\"]\nenv = { \"A=B\" = \"1\" }\n"),
               "is not a variable name"));
}

TEST(RelayConfigSource, OnlyOneStdinSource) {
  const ConfigError e = error_of(
      "[[source]]\ntype = \"stdin\"\ntopic = \"a\"\n"
      "[[source]]\ntype = \"stdin\"\ntopic = \"b\"\n");
  EXPECT_EQ(e.line, 5u);
  EXPECT_EQ(e.message, "there is already a stdin source at line 2");
}

TEST(RelayConfigSource, TwoListenersOnOneAddressAreAnError) {
  const std::string udp = "[[source]]\ntype = \"udp\"\ntopic = \"a\"\nlisten = \"127.0.0.1:5000\"\n";
  const ConfigError e = error_of(udp + udp);
  EXPECT_EQ(e.line, 8u);
  EXPECT_EQ(e.message, "source.listen: 127.0.0.1:5000 is already used by source 'udp-1'");
  EXPECT_TRUE(
      contains(message_of("[server]\nlisten = \"127.0.0.1:8080\"\n[[source]]\ntype = \"tcp\"\ntopic = "
                          "\"a\"\nlisten = \"127.0.0.1:8080\"\n"),
               "is already used by [server]"));
  config_of(
      "[[source]]\ntype = \"udp\"\ntopic = \"a\"\nlisten = \"127.0.0.1:8080\"\n");  // udp and tcp may share
}

TEST(RelayConfigSource, SourceMayNotPublishWhereTheTopicForbidsIt) {
  const ConfigError e = error_of(
      "[[topic]]\nmatch = \"sensors/**\"\npublish = [\"http\"]\n"
      "[[source]]\ntype = \"stdin\"\ntopic = \"sensors/a\"\n");
  EXPECT_EQ(e.line, 6u);
  EXPECT_EQ(
      e.message,
      "source.topic: sources may not publish to \"sensors/a\": its [[topic]] \"sensors/**\" at line 2 has no "
      "\"sources\" in publish");
  config_of(
      "[[topic]]\nmatch = \"sensors/**\"\npublish = [\"http\"]\n[[topic]]\nmatch = \"sensors/a\"\n"
      "[[source]]\ntype = \"stdin\"\ntopic = \"sensors/a\"\n");
}

}  // namespace
}  // namespace sluice::relay
