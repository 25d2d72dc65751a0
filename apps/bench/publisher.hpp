// Publisher: one sluice::Client on a broadcast URL that sends timestamped messages at a fixed
// rate. It is paced by the loop timer: every tick it sends the messages that are due since
// start(), in one batch, so it never spins. Its own copies, which the room sends back to it,
// give a latency measurement through the same server path.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "histogram.hpp"
#include "sluice/client.hpp"
#include "sluice/loop.hpp"

namespace sluice::bench {

// What the fan-out scenario needs of a publisher, over WebSocket or HTTP. connect(), start()
// and stop() are called on the loop thread that owns it.
class MessagePublisher {
 public:
  virtual ~MessagePublisher() = default;
  virtual void connect() = 0;
  virtual void start() = 0;  // publish from now on
  virtual void stop() = 0;   // no more messages
  virtual std::uint64_t sent() const = 0;
  virtual std::uint64_t refused() const = 0;  // refused by the server or its connection
  virtual std::uint64_t skipped() const = 0;  // due while the publisher could not send
};

class Publisher : public MessagePublisher {
 public:
  // `on_open` runs when the connection opens; `on_failed` if it never does or closes early.
  // `limit` stops it after that many messages (0: never).
  Publisher(sluice::Loop& loop, const std::string& url, double rate, std::string payload,
            std::function<void()> on_open, std::function<void()> on_failed, std::uint64_t limit = 0);
  ~Publisher() override;

  void connect() override { client_->connect(); }
  void start() override;
  void stop() override;

  std::uint64_t sent() const override { return sent_; }
  std::uint64_t refused() const override { return refused_; }    // would_block or closed answers
  std::uint64_t skipped() const override { return skipped_; }    // due while the queue was full
  const Histogram& own_latency() const { return own_latency_; }  // nanoseconds

 private:
  void tick();

  sluice::Loop& loop_;
  double rate_;
  std::uint64_t limit_;
  std::string payload_;
  std::unique_ptr<sluice::Client> client_;
  Histogram own_latency_;
  std::uint64_t start_ns_ = 0;
  std::uint64_t position_ = 0;  // messages due so far that were sent or skipped
  std::uint64_t sent_ = 0;
  std::uint64_t skipped_ = 0;
  std::uint64_t refused_ = 0;
  bool publishing_ = false;
  bool blocked_ = false;  // the send queue refused: wait for on_drain
  bool opened_ = false;
};

}  // namespace sluice::bench
