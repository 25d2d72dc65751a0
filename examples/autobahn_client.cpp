// sluice-autobahn-client: drives the Autobahn|Testsuite fuzzingserver with sluice::Client. It asks
// for the number of cases, runs each case echoing every message back with its opcode, then asks
// the suite to write its reports. One connection at a time, each a fresh Client.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "sluice/sluice.hpp"

namespace {

class Driver {
 public:
  Driver(sluice::Loop& loop, std::string base, std::string agent, sluice::Compression compression)
      : loop_(loop), base_(std::move(base)), agent_(std::move(agent)), compression_(compression) {}

  void start() {
    sluice::ClientBehaviors b;
    b.on_message = [this](sluice::ClientWebSocket, std::string_view data, sluice::Opcode) {
      count_ = std::atoi(std::string(data).c_str());
    };
    open(base_ + "/getCaseCount", std::move(b), [this] {
      std::printf("sluice-autobahn-client: %d cases\n", count_);
      next_case();
    });
  }

 private:
  void next_case() {
    if (++current_ > count_) {
      open(base_ + "/updateReports?agent=" + agent_, {}, [this] { loop_.stop(); });
      return;
    }
    sluice::ClientBehaviors b;
    b.on_message = [](sluice::ClientWebSocket ws, std::string_view data, sluice::Opcode opcode) {
      ws.send(data, opcode);
    };
    open(base_ + "/runCase?case=" + std::to_string(current_) + "&agent=" + agent_, std::move(b),
         [this] { next_case(); });
  }

  // Runs one connection; `then` runs once it is over (the Client is replaced outside its own callback).
  void open(const std::string& url, sluice::ClientBehaviors b, std::function<void()> then) {
    sluice::ClientOptions o;
    o.max_message_size = 64 * 1024 * 1024;
    o.max_buffered_bytes = 128 * 1024 * 1024;
    o.policy = sluice::SlowConsumerPolicy::close;
    o.compression = compression_;
    o.compression_threshold = 0;  // every message compressed, as the suite's cases expect to see
    b.on_error = [url](std::string_view why) {
      std::fprintf(stderr, "sluice-autobahn-client: %s: %.*s\n", url.c_str(), static_cast<int>(why.size()),
                   why.data());
    };
    b.on_stopped = [this, then = std::move(then)] { loop_.post(then); };
    client_ = std::make_unique<sluice::Client>(loop_, url, o, std::move(b));
    client_->connect();
  }

  sluice::Loop& loop_;
  std::string base_, agent_;
  std::unique_ptr<sluice::Client> client_;
  sluice::Compression compression_;
  int count_ = 0;
  int current_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("AUTOBAHN_URL");
  std::string url = env ? env : "ws://127.0.0.1:9001";
  std::string agent = "sluice";
  std::string log_level = "error";
  std::string compression = "off";
  CLI::App app{"sluice-autobahn-client: runs the Autobahn|Testsuite fuzzingserver's cases"};
  app.add_option("--url", url, "the fuzzingserver's URL (default $AUTOBAHN_URL or ws://127.0.0.1:9001)");
  app.add_option("--agent", agent, "agent name in the reports")->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")->capture_default_str();
  app.add_option("--compression", compression, "permessage-deflate: off, shared or dedicated")
      ->check(CLI::IsMember({"off", "shared", "dedicated"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  sluice::LogLevel level;
  if (sluice::parse_log_level(log_level, level)) sluice::set_log_level(level);

  try {
    sluice::Loop loop;
    sluice::Compression mode = sluice::Compression::off;
    sluice::parse_compression(compression, mode);  // CLI11 has checked the name
    Driver driver(loop, url, agent, mode);
    driver.start();
    loop.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-autobahn-client: %s\n", e.what());
    return 1;
  }
  return 0;
}
