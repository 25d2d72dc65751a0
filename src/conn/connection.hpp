// Connection: one accepted socket from handshake to close, and the point where the data path
// turns around. Read side (connection.cpp, upgrade.cpp): socket -> loop scratch ->
// RequestParser (until upgraded) -> FrameParser -> MessageAssembler -> on_message. Write side
// (send_path.cpp): send()/publish -> SendQueue, with the cap checked there and nowhere else ->
// flush before the loop sleeps -> one sendmsg over the queue -> on_drain. Once the queue is over
// its cap, parsing stops at the next message boundary and the rest of the read waits, held,
// until the queue drains.
//
// A connection is never freed inside a call chain: closing marks it, and the loop's
// before-sleep pass deletes it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conn/endpoint.hpp"
#include "loop/loop_client.hpp"
#include "mem/large_block.hpp"
#include "net/fd.hpp"
#include "send/send_queue.hpp"
#include "sluice/policy.hpp"
#include "sluice/send_status.hpp"
#include "sluice/stats.hpp"
#include "sluice/websocket.hpp"
#include "ws/frame_parser.hpp"
#include "ws/message_assembler.hpp"

namespace sluice::detail {

class Endpoint;
class RequestReader;
struct RequestHead;
struct Topic;
struct ClientHandshake;

enum class ConnState : std::uint8_t {
  connecting,   // client: the TCP connect is in progress
  handshaking,  // server: reading the HTTP request; client: waiting for the 101 response
  open,         // upgraded; messages flow both ways
  closing,      // our close frame is queued; waiting for the peer's
  draining,     // nothing more to say: flush, half-close, read until EOF or the close deadline
  closed,       // the socket is closed; freed before the loop sleeps
};

class Connection final : public LoopClient {
 public:
  Connection(Endpoint& endpoint, Fd fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();  // server side: an accepted socket
  // Server side: an accepted socket past a connection limit, answered with `status` at once.
  void start_refused(int status, std::string_view why);
  // Client side: `fd` is connecting; `hs` holds the request to send once it is connected.
  void start_client(std::unique_ptr<ClientHandshake> hs);

  void on_io(std::uint32_t events) override;
  void on_timer() override;
  void on_before_sleep() override;

  // The WebSocket API.
  SendStatus send(std::string_view data, Opcode opcode);
  SendStatus ping(std::string_view payload);
  // Queues a shared frame published to `topic` (the worker walks the subscribers).
  SendStatus publish(FrameRef frame, const Topic& topic);
  void close(std::uint16_t code, std::string_view reason);
  std::size_t buffered_amount() const { return queue_.bytes(); }
  std::size_t buffered_memory() const { return queue_.charge(); }
  bool is_open() const { return state_ == ConnState::open; }
  ConnectionStats stats() const;
  std::string remote_address() const;  // the peer's IP address as text; empty once closed
  void* user_data() const { return user_data_; }
  void set_user_data(void* p) { user_data_ = p; }
  void set_policy(SlowConsumerPolicy p) {
    policy_override_ = p;
    has_policy_override_ = true;
  }
  void subscribe(std::string_view topic);
  void unsubscribe(std::string_view topic);
  bool is_subscribed(std::string_view topic) const;

  // Server shutdown: open connections get 1001, half-done handshakes are dropped.
  void go_away();
  // Closes the socket now, without a closing handshake (logged at debug level when `why`).
  void abort(const char* why);
  ConnState state() const { return state_; }
  bool upgraded() const { return upgraded_; }  // on_open ran
  int fd() const { return fd_.get(); }         // -1 once closed
  Endpoint& endpoint() { return ep_; }
  // Counts why the connection ends (ServerStats::connections_closed_by_reason), once: the
  // first reason noted wins; one still unnoted when the connection is freed ended normally.
  void note_close(CloseReason reason) {
    if (close_noted_) return;
    close_noted_ = true;
    ep_.counters().closed_by_reason[static_cast<std::size_t>(reason)].add(1);
  }
  bool close_noted() const { return close_noted_; }

  // The worker's: links in its lists of connections (server/connection_list.hpp), and the
  // connection's peer as counted by the server's per-address limits.
  Connection* prev_in_worker = nullptr;
  Connection* next_in_worker = nullptr;
  static constexpr std::uint64_t kUncounted = ~std::uint64_t{0};
  std::uint64_t peer_key = kUncounted;

 private:
  // Read side, in data-path order.
  void on_readable();
  void on_handshake_bytes(std::span<std::uint8_t> in);                 // upgrade.cpp
  void accept_upgrade(const RequestHead& head, std::string_view key);  // upgrade.cpp
  // False when the response ends the connection.
  bool serve_plain_http(const HttpRequest& req, bool keep_alive);                     // upgrade.cpp
  void respond_and_close(int status, std::string_view body, bool head_only = false);  // upgrade.cpp
  void on_connected();                                                                // client_upgrade.cpp
  void on_handshake_response(std::span<std::uint8_t> in);                             // client_upgrade.cpp
  void fail_open(std::string_view why);                                               // client_upgrade.cpp
  void on_frame_bytes(std::span<std::uint8_t> in);
  bool on_assembled(const MessageAssembler::Event& ev);
  // Over the cap, the peer is not read: what is left of a read waits here (charged to the budget).
  bool must_pause_reading() const;
  bool hold_input(std::span<std::uint8_t> rest);  // false: no room in the budget to hold it
  bool has_held_input() const { return is(kInputHeld); }
  void resume_held_input();
  void free_held_input();
  void on_control(Opcode opcode, std::string_view payload);
  void on_peer_close(std::string_view payload);

  // Write side (send_path.cpp).
  // Masked on the client side. encode() is forced inline into send(); control frames, rare,
  // go through the out-of-line encode_control().
  FrameRef encode(Opcode opcode, std::string_view payload) const;
  FrameRef encode_control(Opcode opcode, std::string_view payload) const;
  // `topic` is what a published frame was published to (its policy may differ), else null.
  SendStatus enqueue_message(FrameRef frame, std::uint32_t tag, const Topic* topic);
  SlowConsumerPolicy policy_for(const Topic* topic) const;
  // The queue is at its cap, or the process at its budget: applies the policy; a status means
  // `frame` is not to be queued.
  std::optional<SendStatus> at_cap(const FrameBuffer& frame, std::uint32_t tag, SlowConsumerPolicy policy,
                                   bool over_budget);
  SendStatus enqueue_control(FrameRef frame, std::uint32_t tag = 0);
  bool supersede_pong(FrameRef& frame);  // true if `frame` took the pending pong's place
  void push(FrameRef frame, std::uint32_t tag);
  void push(FrameRef frame, std::uint32_t tag, SendQueue::Charge charge);
  void account_released(const Released& r);  // entries left the queue unsent
  void count_dropped(const Released& d, SlowConsumerPolicy policy);
  void close_slow_consumer(const char* why);
  void release_queue();
  void request_flush();
  void flush();
  // One or more sendmsg calls (write_one: the queue holds one entry); false if that ended the
  // connection.
  bool write_one();
  bool write_queue();
  void count_written(const Released& r);
  void update_interest();

  // Endings.
  void fail(ProtocolError e);
  void send_close_frame(std::uint16_t code, std::string_view reason);
  void begin_draining();
  void notify_closed(std::uint16_t code, std::string_view reason);
  void leave_topics();
  void schedule_timer();

  std::uint32_t now32() const;
  void drop_handshake();

  // What a connection needs only once it carries messages; allocated on first use, so an idle
  // upgraded connection is just the fields below (DESIGN invariant 1).
  // Mapped, so that the RSS it took is returned the moment it is freed.
  struct HeldInput {
    mem::MappedBuffer buffer;
    std::uint32_t size = 0;
  };
  struct Extras {
    std::vector<Topic*> topics;
    HeldInput held;
    std::uint64_t messages_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t messages_dropped = 0;
    std::uint64_t bytes_dropped = 0;
    std::uint32_t high_water = 0;
    std::uint32_t over_cap_since = 0;  // loop ms when the current at-cap episode began
  };
  Extras& extras();

  Endpoint& ep_;
  SendQueue queue_;
  FrameParser parser_;
  MessageAssembler assembler_;
  // The handshake parser lives only until the upgrade and the extras only after it, so they
  // share one slot; has_http_ says which is there.
  union {
    RequestReader* http_;         // server, while has_http_
    ClientHandshake* client_hs_;  // client, while has_http_
    Extras* extras_;
  };
  void* user_data_ = nullptr;
  Fd fd_;
  // Loop times in milliseconds, truncated to 32 bits; differences stay right for 49 days.
  std::uint32_t last_heard_ = 0;     // last byte from the peer
  std::uint32_t last_progress_ = 0;  // last byte the socket took while bytes were waiting
  ConnState state_ = ConnState::handshaking;
  SlowConsumerPolicy policy_override_ = SlowConsumerPolicy::close;
  // Send-side state as bits of one byte, so that "nothing armed, paused or over a mark" is one
  // test on the hot path.
  enum SendFlag : std::uint8_t {
    kWriteArmed = 1,     // EPOLLOUT is armed
    kReadPaused = 2,     // over the cap: the peer's bytes wait in the kernel
    kOverWatermark = 4,  // the queue passed low_watermark since it was last below it
    kAtCap = 8,          // a send hit the cap and the queue has not drained below low_watermark
    kPongQueued = 16,    // a pong may be waiting in the queue (a newer one replaces it)
    kInputHeld = 32,     // unparsed input waits in Extras::held
  };
  bool is(SendFlag f) const { return (send_flags_ & f) != 0; }
  void set(SendFlag f, bool on) {
    send_flags_ = static_cast<std::uint8_t>(on ? send_flags_ | f : send_flags_ & ~f);
  }
  std::uint8_t send_flags_ = 0;
  bool has_http_ : 1 = false;
  bool has_policy_override_ : 1 = false;
  bool upgraded_ : 1 = false;  // on_open ran, so on_close is owed
  bool notified_ : 1 = false;  // on_close ran
  bool half_closed_ : 1 = false;
  bool ping_outstanding_ : 1 = false;
  bool close_noted_ : 1 = false;
};

// The per-message steps every send takes, forced inline: at -O2 the compiler would leave them as
// calls, which on this path cost as much as the work they do.

inline std::uint32_t Connection::now32() const { return static_cast<std::uint32_t>(ep_.loop().now_ms()); }

[[gnu::always_inline]] inline FrameRef Connection::encode(Opcode opcode, std::string_view payload) const {
  if (ep_.role() == Role::client) return encode_masked_frame(opcode, payload);
  if (payload.size() < 126) return encode_short_frame(opcode, payload);
  return payload.size() <= 0xFFFF ? encode_medium_frame(opcode, payload) : encode_frame(opcode, payload);
}

[[gnu::always_inline]] inline void Connection::push(FrameRef frame, std::uint32_t tag) {
  const SendQueue::Charge c = SendQueue::charges(*frame.get());
  push(std::move(frame), tag, c);
}

[[gnu::always_inline]] inline void Connection::push(FrameRef frame, std::uint32_t tag,
                                                    SendQueue::Charge charge) {
  std::size_t size = frame.size();
  queue_.push(std::move(frame), tag, charge);
  ep_.allowance().charge(charge.budget);
  Counters& c = ep_.counters();
  c.buffered_bytes.add(size);
  c.buffered_high_water.raise_to(c.buffered_bytes.get());
  if (!has_http_ && upgraded_) {
    Extras& e = extras_ ? *extras_ : extras();
    if (queue_.bytes() > e.high_water) e.high_water = static_cast<std::uint32_t>(queue_.bytes());
  }
  if (queue_.charge() > ep_.limits().low_watermark) set(kOverWatermark, true);
}

inline bool Connection::must_pause_reading() const {
  // An empty queue never pauses: a message always fits it.
  return state_ == ConnState::open &&
         (is(kAtCap) || (!queue_.empty() && queue_.charge() >= ep_.limits().max_buffered_bytes));
}

[[gnu::always_inline]] inline void Connection::request_flush() {
  EventLoop& loop = ep_.loop();
  // Inside a loop turn sends are corked: one sendmsg per connection before the loop sleeps.
  if (loop.dispatching()) {
    loop.defer(this);
  } else {
    flush();
  }
}

}  // namespace sluice::detail
