// HttpPublisher: publishes timestamped messages by HTTP POST, one request after another on one
// keep-alive connection, at a fixed rate, from a thread of its own (blocking calls: the request
// rate is what a real HTTP publisher produces, with no event loop to share). For the relay's
// `POST /topics/NAME`; every answer other than 200 counts as refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "publisher.hpp"
#include "raw_ws.hpp"

namespace sluice::bench {

class HttpPublisher : public MessagePublisher {
 public:
  // `url` is http://a.b.c.d:PORT/PATH; `limit` stops it after that many messages (0: never).
  HttpPublisher(const std::string& url, double rate, std::size_t size, std::uint64_t limit,
                std::function<void()> on_open, std::function<void()> on_failed);
  ~HttpPublisher() override;

  // Connects now (blocking, to loopback) and calls on_open or on_failed before returning.
  void connect() override;
  void start() override;  // the thread starts publishing
  void stop() override;   // the thread stops before its next message

  std::uint64_t sent() const override { return sent_.load(); }
  std::uint64_t refused() const override { return refused_.load(); }
  std::uint64_t skipped() const override { return 0; }

 private:
  void run();
  bool post(std::string_view body);  // one request and its whole response; true on 200

  std::string url_;
  double rate_;
  std::string payload_;
  std::uint64_t limit_;
  std::function<void()> on_open_, on_failed_;
  WsTarget target_;
  std::string request_head_;  // everything before the body
  std::string pending_;       // response bytes read past the previous response
  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> publishing_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace sluice::bench
