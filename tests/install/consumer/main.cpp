// A program built out of tree against sluice, the way a user's project would: through
// find_package(sluice), through pkg-config, or with sluice added as a subdirectory. It serves
// echo on a free loopback port, round-trips one message through it with sluice::Client, closes,
// and exits 0 when the echo came back.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include <sluice/sluice.hpp>

int main() {
  sluice::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.handle_signals = false;
  sluice::Behaviors behaviors;
  behaviors.on_message = [](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
    ws.send(data, opcode);
  };
  sluice::Server server(options, behaviors);
  server.listen();
  std::thread serving([&] { server.run(); });

  constexpr std::string_view kHello = "hello from a consumer";
  std::string echoed;
  sluice::Loop loop;
  sluice::ClientBehaviors cb;
  cb.on_open = [&](sluice::ClientWebSocket ws) { ws.send(kHello, sluice::Opcode::text); };
  cb.on_message = [&](sluice::ClientWebSocket ws, std::string_view data, sluice::Opcode) {
    echoed = data;
    ws.close(sluice::close_code::normal);
  };
  cb.on_close = [&](sluice::ClientWebSocket, std::uint16_t, std::string_view) { loop.stop(); };
  cb.on_error = [&](std::string_view why) {
    std::fprintf(stderr, "consumer: %.*s\n", static_cast<int>(why.size()), why.data());
    loop.stop();
  };
  sluice::Client client(loop, "ws://127.0.0.1:" + std::to_string(server.port()) + "/", {}, cb);
  client.connect();
  // Against hangs only.
  loop.after(std::chrono::seconds(60), [&] { loop.stop(); });
  loop.run();
  server.stop();
  serving.join();

  if (echoed != kHello) {
    std::fprintf(stderr, "consumer: no echo from the server\n");
    return 1;
  }
  std::printf("consumer: echo round trip through sluice %s\n", "ok");
  return 0;
}
