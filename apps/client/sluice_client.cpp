// sluice-client: the tool to poke a WebSocket server from a shell. Lines on stdin become text
// messages (or raw chunks with --binary); every message received is written to stdout followed
// by a newline.
//
// Exit status: 0 when the work is done (--count messages received, or stdin ended and the
// closing handshake finished, or the server closed with 1000 or 1001); 1 when the connection
// could not be opened or ended otherwise; 2 for a usage error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <system_error>
#include <vector>

#include "sluice/sluice.hpp"

namespace {

struct Settings {
  std::string url;
  bool binary = false;
  bool reconnect = false;
  long count = 0;
  std::vector<std::string> headers;
  std::vector<std::string> subprotocols;
  double ping_interval = 30;
  std::string log_level = "warn";
  std::string ca_file;
  std::string compression = "off";
};

class Tool {
 public:
  Tool(sluice::Loop& loop, Settings s) : loop_(loop), s_(std::move(s)) {}

  int run() {
    sluice::ClientOptions o;
    for (const auto& h : s_.headers) {
      auto colon = h.find(':');
      std::string name = h.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      o.headers.emplace_back(name, value);
    }
    o.subprotocols = s_.subprotocols;
    o.ping_interval = std::chrono::milliseconds(static_cast<long>(s_.ping_interval * 1000));
    o.reconnect.enabled = s_.reconnect;
    o.tls.ca_file = s_.ca_file;
    sluice::parse_compression(s_.compression, o.compression);  // CLI11 has checked the name
    o.policy = sluice::SlowConsumerPolicy::backpressure;

    sluice::ClientBehaviors b;
    b.on_open = [this](sluice::ClientWebSocket) { set_reading(true); };
    b.on_message = [this](sluice::ClientWebSocket, std::string_view data, sluice::Opcode) { received(data); };
    b.on_drain = [this](sluice::ClientWebSocket) { resend_pending(); };
    b.on_close = [this](sluice::ClientWebSocket, std::uint16_t code, std::string_view reason) {
      set_reading(false);
      clean_ = code == sluice::close_code::normal || code == sluice::close_code::going_away;
      if (code != sluice::close_code::normal)
        std::fprintf(stderr, "sluice-client: closed with %u %.*s\n", code, static_cast<int>(reason.size()),
                     reason.data());
    };
    b.on_error = [](std::string_view why) {
      std::fprintf(stderr, "sluice-client: %.*s\n", static_cast<int>(why.size()), why.data());
    };
    b.on_stopped = [this] { loop_.stop(); };
    client_ = std::make_unique<sluice::Client>(loop_, s_.url, o, std::move(b));

    watch_stdin();
    loop_.on_signal(SIGINT, [this] { finish(); });
    loop_.on_signal(SIGTERM, [this] { finish(); });
    client_->connect();
    loop_.run();
    std::fflush(stdout);
    return done_ || clean_ ? 0 : 1;
  }

 private:
  void watch_stdin() {
    struct stat st {};
    stdin_is_file_ = ::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);
    if (stdin_is_file_) return;
    try {
      loop_.watch(STDIN_FILENO, [this] { read_stdin(); });
    } catch (const std::system_error&) {
      stdin_is_file_ = true;  // epoll cannot watch files or /dev/null: read them on demand instead
      return;
    }
    ::fcntl(STDIN_FILENO, F_SETFL, ::fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
    loop_.set_paused(STDIN_FILENO, true);
  }

  // Input flows only while connected and while the connection has room (backpressure).
  void set_reading(bool on) {
    if (stdin_done_) return;
    if (stdin_is_file_) {
      if (on) loop_.post([this] { read_stdin(); });
      return;
    }
    loop_.set_paused(STDIN_FILENO, !on);
  }

  void read_stdin() {
    if (stdin_done_ || !client_->is_open()) return;
    char buf[65536];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0) {
      send_input(std::string_view(buf, static_cast<std::size_t>(n)));
      if (stdin_is_file_ && client_->is_open() && !blocked_) loop_.post([this] { read_stdin(); });
      return;
    }
    if (n < 0 && errno == EAGAIN) return;
    stdin_done_ = true;  // end of input: send what is left, then close
    if (!stdin_is_file_) loop_.unwatch(STDIN_FILENO);
    if (!partial_.empty()) send_message(std::exchange(partial_, {}));
    if (s_.count > 0) return;  // keep listening until --count messages arrived
    if (blocked_) {
      close_when_sent_ = true;  // resend_pending() closes once the rest is out
      return;
    }
    finish();
  }

  void send_input(std::string_view chunk) {
    if (s_.binary) return send_message(std::string(chunk));
    partial_.append(chunk);
    std::size_t start = 0, nl;
    while ((nl = partial_.find('\n', start)) != std::string::npos) {
      send_message(partial_.substr(start, nl - start));
      start = nl + 1;
    }
    partial_.erase(0, start);
  }

  void send_message(const std::string& m) {
    if (blocked_) {
      pending_.push_back(m);
      return;
    }
    if (client_->send(m, s_.binary ? sluice::Opcode::binary : sluice::Opcode::text) ==
        sluice::SendStatus::would_block) {
      // The connection's queue is full: keep this message, stop reading, resume on on_drain.
      blocked_ = true;
      pending_.push_back(m);
      set_reading(false);
    }
  }

  void resend_pending() {
    blocked_ = false;
    std::vector<std::string> waiting;
    waiting.swap(pending_);
    for (const auto& m : waiting) send_message(m);
    if (blocked_) return;
    if (stdin_done_) {
      if (close_when_sent_) finish();
      return;
    }
    set_reading(true);
  }

  void received(std::string_view data) {
    std::fwrite(data.data(), 1, data.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);  // a script reading our output sees each message as it arrives
    if (s_.count > 0 && ++received_ >= s_.count) {
      done_ = true;
      finish();
    }
  }

  void finish() {
    std::fflush(stdout);
    client_->close(sluice::close_code::normal);
  }

  sluice::Loop& loop_;
  Settings s_;
  std::unique_ptr<sluice::Client> client_;
  std::string partial_;
  std::vector<std::string> pending_;
  long received_ = 0;
  bool stdin_is_file_ = false;
  bool stdin_done_ = false;
  bool blocked_ = false;
  bool close_when_sent_ = false;
  bool done_ = false;
  bool clean_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"sluice-client: send stdin lines to a WebSocket server, print what it sends back"};
  app.add_option("url", s.url, "ws:// or wss://host[:port][/path][?query]")->required();
  app.add_flag("--binary", s.binary, "send stdin in raw chunks as binary messages");
  app.add_flag("--reconnect", s.reconnect, "reconnect with backoff when the connection drops");
  app.add_option("--count", s.count, "exit after receiving this many messages");
  app.add_option("--header", s.headers, "extra request header 'Name: value' (repeatable)");
  app.add_option("--subprotocol", s.subprotocols, "offer this subprotocol (repeatable)");
  app.add_option("--ping-interval", s.ping_interval, "seconds of silence before a ping (0: never)")
      ->capture_default_str();
  app.add_option("--log-level", s.log_level, "debug, info, warn, error or off")->capture_default_str();
  app.add_option("--ca-file", s.ca_file,
                 "wss://: trust the CAs in this PEM file instead of the system's store");
  app.add_option("--compression", s.compression,
                 "offer permessage-deflate: off, shared (no context kept between messages) or dedicated")
      ->check(CLI::IsMember({"off", "shared", "dedicated"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  sluice::LogLevel level;
  if (!sluice::parse_log_level(s.log_level, level)) {
    std::fprintf(stderr, "sluice-client: unknown log level '%s'\n", s.log_level.c_str());
    return 2;
  }
  sluice::set_log_level(level);
  try {
    sluice::Loop loop;
    Tool tool(loop, std::move(s));
    return tool.run();
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "sluice-client: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-client: %s\n", e.what());
    return 1;
  }
}
