// Helpers for the client tests: a sluice::Loop on its own thread, a recorder of every client
// callback, server processes started and stopped by PID, and a raw TCP listener that answers
// (or does not answer) the opening handshake exactly as a test wants. Sockets, frame headers
// and HTTP header lines come from the shared support library.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sluice/sluice.hpp"
#include "support/raw_socket.hpp"
#include "support/receive_buffer.hpp"

namespace sluice_client_test {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Upper bound for one wait in the suite; nothing blocks longer than this.
inline constexpr milliseconds kWait{10'000};

// Paths of the programs and scripts, from CMake (see CMakeLists.txt).
std::string echo_program();    // sluice-echo
std::string python_program();  // /usr/bin/python3
std::string python_server_script();
std::string node_program();
std::string node_server_script();
std::string node_modules_dir();  // the folder whose node_modules holds `ws`

// A sluice::Loop run by its own thread for the lifetime of the object.
class LoopThread {
 public:
  LoopThread();
  ~LoopThread();  // stops the loop and joins (bounded; a hang ends the process)
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  sluice::Loop& loop() { return loop_; }

  // Runs `fn` on the loop thread and returns its result (bounded wait).
  template <typename F>
  auto call(F fn) -> decltype(fn()) {
    using R = decltype(fn());
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
    auto result = task->get_future();
    loop_.post([task] { (*task)(); });
    if (result.wait_for(kWait) != std::future_status::ready) hang("a task posted to the loop");
    return result.get();
  }

 private:
  [[noreturn]] static void hang(const char* what);
  sluice::Loop loop_;
  std::future<void> done_;
  std::thread thread_;
};

struct Message {
  std::string data;
  sluice::Opcode opcode;
};

// Everything the client's callbacks saw, with the time of each open; thread-safe.
class Events {
 public:
  // Behaviors that record into this object, then call the hooks below.
  sluice::ClientBehaviors behaviors();

  // Optional application hooks, called on the loop thread after the event is recorded.
  std::function<void(sluice::ClientWebSocket)> on_open_hook;
  std::function<void(sluice::ClientWebSocket, unsigned)> on_reconnect_hook;
  std::function<void(sluice::ClientWebSocket, std::string_view, sluice::Opcode)> on_message_hook;

  // Waits (bounded) until `pred` holds over this object; false on timeout.
  bool wait(const std::function<bool(const Events&)>& pred, milliseconds timeout = kWait);

  int opens() const;
  int closes() const;
  int stopped() const;
  std::vector<unsigned> reconnects() const;
  std::vector<Message> messages() const;
  std::vector<std::string> errors() const;
  std::vector<Clock::time_point> error_times() const;
  std::vector<Clock::time_point> open_times() const;
  std::vector<std::pair<std::uint16_t, std::string>> close_events() const;
  std::size_t count_messages(std::string_view data) const;

 private:
  void changed();
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> opens_;
  std::vector<unsigned> reconnects_;
  std::vector<Message> messages_;
  std::vector<std::pair<std::uint16_t, std::string>> closes_;
  std::vector<std::string> errors_;
  std::vector<Clock::time_point> error_times_;
  int stopped_ = 0;
};

// Options every test starts from: short deadlines, no pings unless a test asks.
sluice::ClientOptions quick_options();

// A client living on a LoopThread: created, used and destroyed on the loop thread.
class TestClient {
 public:
  TestClient(LoopThread& lt, std::string url, sluice::ClientOptions options, Events& events);
  ~TestClient();
  sluice::SendStatus send(std::string data, sluice::Opcode opcode);
  void close(std::uint16_t code, std::string reason = {});
  bool is_open();
  std::size_t held_bytes();
  // Runs `fn` with the client on the loop thread.
  void with(const std::function<void(sluice::Client&)>& fn);

 private:
  LoopThread& lt_;
  std::unique_ptr<sluice::Client> client_;
};

// A child process with its stdout on a pipe; killed (by its PID) when the object goes.
class Process {
 public:
  explicit Process(std::vector<std::string> argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // The next line of its stdout (without the newline), or nullopt on timeout or EOF.
  std::optional<std::string> read_line(milliseconds timeout = kWait);
  void kill_hard();  // SIGKILL and reap
  void stop();       // SIGTERM, then SIGKILL if it does not exit within a second; reap

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

// Starts `argv` and reads lines until one contains `marker` followed by a port number.
// Returns the port, or 0 (with a test failure) if none came.
std::uint16_t read_port(Process& p, std::string_view marker);

// A sluice-echo process on `port` (0 picks one); port() is the bound one.
class EchoProcess {
 public:
  explicit EchoProcess(std::uint16_t port = 0);
  std::uint16_t port() const { return port_; }
  Process& process() { return *proc_; }

 private:
  std::unique_ptr<Process> proc_;
  std::uint16_t port_ = 0;
};

// A TCP port on 127.0.0.1 with nothing listening on it (bound once, then released).
std::uint16_t refused_port();

// A listening TCP socket on 127.0.0.1 that the test drives by hand.
class RawListener {
 public:
  explicit RawListener(int backlog = 16);
  ~RawListener();
  std::uint16_t port() const { return port_; }
  int fd() const { return fd_; }
  // Accepts one connection (bounded); -1 on timeout. The caller owns the fd (use RawConn).
  int accept_one(milliseconds timeout = kWait);

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// One accepted connection on a RawListener.
class RawConn {
 public:
  explicit RawConn(int fd) : socket_(fd), buffer_(64 * 1024) {}
  bool valid() const { return socket_.valid(); }
  // Reads up to the end of the HTTP head; nullopt on timeout or EOF.
  std::optional<std::string> read_head(milliseconds timeout = kWait);
  bool write_all(std::string_view bytes) { return socket_.send_all(bytes, kWait); }
  // Reads until at least `n` bytes are buffered (bounded); returns them all.
  std::optional<std::string> read_at_least(std::size_t n, milliseconds timeout = kWait);
  // Waits for EOF or a reset (bounded), discarding what arrives; true if the peer closed.
  bool wait_eof(milliseconds timeout = kWait);

 private:
  sluice_test::RawSocket socket_;
  sluice_test::ReceiveBuffer buffer_;
};

// The value of header `name` (case-insensitive) in an HTTP head, or "".
std::string header_value(std::string_view head, std::string_view name);
// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string accept_for(std::string_view key);

// One client frame parsed off the wire.
struct WireFrame {
  bool fin = false;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint32_t mask_key = 0;
  std::string wire_payload;  // as sent (masked)
  std::string payload;       // unmasked
  std::size_t size = 0;      // the frame's bytes on the wire
};
// Parses a frame at the start of `bytes`; nullopt when incomplete.
std::optional<WireFrame> parse_frame(std::string_view bytes);

std::string random_bytes(std::size_t n, std::uint32_t seed);

}  // namespace sluice_client_test
