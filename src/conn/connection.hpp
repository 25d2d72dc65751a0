// Connection: one socket from handshake to close, at either end, and the point where the data
// path turns around. It is put together from parts, each its own type: a Transport under it
// (transport.hpp), a handshake part until it upgrades (ServerHandshake, or the client's
// ClientHandshake), the Session state machine (session.hpp), the Outbox that counts, caps and
// writes what it sends (outbox.hpp), and deadlines computed from its timestamps
// (deadlines.hpp). What is left here is the order of the steps:
//
// Read (connection.cpp, upgrade.cpp, client_upgrade.cpp): transport -> loop scratch ->
// handshake part (until upgraded) -> FrameParser -> MessageAssembler -> on_message. Once the
// outbox is over its cap, parsing stops at the next message boundary and the rest of the read
// waits, held, until the queue drains.
// Write (send_path.cpp): send()/publish -> enqueue_message, the one place the cap is checked ->
// Outbox -> flush (the replies when the read that asked for them is handled, anything else
// before the loop sleeps) -> one gathered write -> on_drain.
//
// A connection is never freed inside a call chain: closing marks it, and the loop's before-sleep
// pass deletes it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "conn/deadlines.hpp"
#include "conn/deflate_state.hpp"
#include "conn/endpoint.hpp"
#include "conn/outbox.hpp"
#include "conn/session.hpp"
#include "conn/transport.hpp"
#include "loop/loop_client.hpp"
#include "mem/large_block.hpp"
#include "mem/owned_one_of.hpp"
#include "net/fd.hpp"
#include "sluice/policy.hpp"
#include "sluice/send_status.hpp"
#include "sluice/stats.hpp"
#include "sluice/websocket.hpp"
#include "ws/frame_parser.hpp"
#include "ws/message_assembler.hpp"

namespace sluice::detail {

class ServerHandshake;
struct ClientHandshake;

// A fan-out's outcomes, counted by index: a branch per outcome would cost about as much as
// queueing the frame.
struct OutcomeTally {
  std::array<std::uint32_t, 5> by_status{};
  void add(SendStatus s) { ++by_status[static_cast<std::size_t>(s)]; }
  PublishResult result() const {
    return {by_status[0], by_status[1], by_status[2], by_status[3], by_status[4]};
  }
};

class Connection final : public LoopClient {
  // Declared first so that it sits in the loop hooks' tail padding, which keeps the connection
  // within its 184 bytes.
  Session session_;
  // Which of the endpoint's behaviors (or, streaming, stream behaviors) it calls back: its path's.
  std::uint8_t behaviors_set_ = 0;

 public:
  Connection(Endpoint& endpoint, Fd fd);
  Connection(Endpoint& endpoint, Transport transport);  // plain or TLS
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
  // The HttpStream API: a chunk as it is, and the end of the response.
  SendStatus send_chunk(std::string_view chunk);
  void end_stream();
  bool is_streaming() const { return session_.is(ConnState::streaming); }
  // A deferred answer (HttpResponse::later()) is waited for.
  bool awaits_answer() const;
  // HttpStream::respond(): writes the deferred answer; a kept-alive connection then reads its
  // next requests (in the before-sleep pass, after the stream's on_close).
  SendStatus answer(const HttpResponse& response);
  SendStatus ping(std::string_view payload);
  // Queues a shared frame published to a topic (the worker walks the subscribers): `tag`
  // groups its frames for `latest` conflation, `topic_policy` is the topic's own, if any.
  SendStatus publish(FrameRef frame, std::uint32_t tag, std::optional<SlowConsumerPolicy> topic_policy);
  // publish() to each of `subscribers`, the outcomes counted in `tally`.
  static void publish_each(std::span<Connection* const> subscribers, const FrameRef& frame, std::uint32_t tag,
                           std::optional<SlowConsumerPolicy> topic_policy, OutcomeTally& tally);
  // permessage-deflate was negotiated (RFC 7692): frames may carry RSV1.
  bool deflate_negotiated() const { return parser_.allowed_rsv() != 0; }
  // The window its messages to the peer are compressed with when they start afresh, so that a
  // published message compressed once serves every subscriber with the same one; 0 when this
  // connection compresses with a context of its own, or not at all.
  int shared_deflate_bits() const;
  // Compresses `payload` with this connection's own context and queues it like publish().
  SendStatus publish_compressed(std::string_view payload, Opcode opcode, std::uint32_t tag,
                                std::optional<SlowConsumerPolicy> topic_policy);
  void close(std::uint16_t code, std::string_view reason);
  std::size_t buffered_amount() const { return outbox_.bytes(); }
  std::size_t buffered_memory() const { return outbox_.charge(); }
  bool is_open() const { return session_.is_open(); }
  ConnectionStats stats() const;
  std::string remote_address() const;  // the peer's IP address as text; empty once closed
  void* user_data() const { return user_data_; }
  void set_user_data(void* p) { user_data_ = p; }
  void set_policy(SlowConsumerPolicy p) { outbox_.set_policy(p); }
  void set_max_buffered_bytes(std::size_t bytes) { outbox_.set_cap(bytes); }
  void set_send_buffer(int bytes) {
    if (transport_.is_open()) detail::set_send_buffer(transport_.fd(), bytes);
  }
  // The policy this connection's frames meet at the cap, for a topic with `topic_policy`.
  SlowConsumerPolicy policy_for(std::optional<SlowConsumerPolicy> topic_policy) const {
    return outbox_.policy_for(topic_policy, ep_.limits());
  }
  // The queue passed low_watermark and has not drained below it since.
  bool over_low_watermark() const { return outbox_.is(Outbox::over_watermark); }

  // Server shutdown: open connections get 1001, half-done handshakes are dropped.
  void go_away();
  // Closes the socket now, without a closing handshake (logged at debug level when `why`), and
  // gives on_close (1006).
  void abort(const char* why);
  ConnState state() const { return session_.state(); }
  bool upgraded() const { return session_.upgraded(); }  // on_open ran
  int fd() const { return transport_.fd(); }             // -1 once closed
  Endpoint& endpoint() { return ep_; }
  // Counts why the connection ends (ServerStats::connections_closed_by_reason), once: the
  // first reason noted wins; one still unnoted when the connection is freed ended normally.
  void note_close(CloseReason reason) {
    if (session_.take_end_note()) ep_.counters().closed_by_reason[static_cast<std::size_t>(reason)].add(1);
  }
  // What its path's Behaviors::describe says of it, for Server::connections(); empty for a
  // stream, or without a describe.
  std::string description();

  // The worker's: links in its lists of connections (server/connection_list.hpp), and the
  // connection's peer as counted by the server's per-address limits.
  Connection* prev_in_worker = nullptr;
  Connection* next_in_worker = nullptr;
  static constexpr std::uint64_t kUncounted = ~std::uint64_t{0};
  std::uint64_t peer_key = kUncounted;

 private:
  // Read side, in data-path order.
  void on_readable();
  void read_input();
  void on_read_failed(const IoResult& r);
  void after_secure_read();  // TLS read nothing but may have moved its handshake on
  void on_handshake_bytes(std::span<std::uint8_t> in);  // upgrade.cpp
  void accept_upgrade(ServerHandshake& hs);             // upgrade.cpp
  // False when the connection reads no further request now: the response ends it, or hands it
  // to a stream or to an answer given later.
  bool serve_plain_http(ServerHandshake& hs);                                     // upgrade.cpp
  bool has_stream_behaviors(std::uint8_t set);                                    // upgrade.cpp
  void start_stream(const HttpResponse& resp, std::uint8_t set, bool head_only);  // upgrade.cpp
  void hand_to_stream(const HttpResponse& resp, std::uint8_t set);                // upgrade.cpp
  void defer_answer(ServerHandshake& hs, const HttpResponse& resp, std::uint8_t set,
                    bool head_only);                                                  // upgrade.cpp
  void keep_unread(std::span<const std::uint8_t> in);                                 // upgrade.cpp
  void read_requests_again();                                                         // upgrade.cpp
  void respond_and_close(int status, std::string_view body, bool head_only = false);  // upgrade.cpp
  void on_connected();                                                                // client_upgrade.cpp
  void on_handshake_response(std::span<std::uint8_t> in);                             // client_upgrade.cpp
  void fail_open(std::string_view why);                                               // client_upgrade.cpp
  void on_frame_bytes(std::span<std::uint8_t> in);
  void parse_frames(std::span<std::uint8_t> in);  // on_frame_bytes, inline in the read
  bool on_assembled(const MessageAssembler::Event& ev);
  // Over the cap, the peer is not read: what is left of a read waits here (charged to the budget).
  bool hold_input(std::span<std::uint8_t> rest);  // false: no room in the budget to hold it
  void resume_held_input();
  void free_held_input();
  void on_control(Opcode opcode, std::string_view payload);
  // permessage-deflate (deflate_path.cpp).
  std::optional<DeflateParams> negotiate_deflate(const UpgradeRequest& req) const;
  void start_deflate(const DeflateSide& side);
  bool deflate_own_context() const;                            // our messages carry a context of their own
  ConnectionDeflate& deflate_streams();                        // made on first use
  FrameRef compress(Opcode opcode, std::string_view payload);  // empty: send it uncompressed
  bool on_compressed_message(Opcode opcode, std::string_view data);  // false: failed the connection
  bool refuse_inflated(ProtocolError e);
  void on_peer_close(std::string_view payload);

  // Write side (send_path.cpp).
  // Masked on the client side. encode() is forced inline into send(); control frames, rare,
  // go through the out-of-line encode_control().
  FrameRef encode(Opcode opcode, std::string_view payload) const;
  FrameRef encode_control(Opcode opcode, std::string_view payload) const;
  SendStatus send_compressed(std::string_view data, Opcode opcode);  // send() over the threshold
  SendStatus enqueue_message(FrameRef frame, std::uint32_t tag,
                             std::optional<SlowConsumerPolicy> topic_policy);
  // The queue is at its cap, or the process at its budget: applies the policy; a status means
  // `frame` is not to be queued.
  std::optional<SendStatus> at_cap(const FrameBuffer& frame, std::uint32_t tag, SlowConsumerPolicy policy,
                                   bool over_budget);
  SendStatus enqueue_control(FrameRef frame, std::uint32_t tag = 0);
  void push(FrameRef frame, std::uint32_t tag);
  void push(FrameBuffer* frame, std::uint32_t tag, SendQueue::Charge charge);  // takes its reference
  // The queue rose over low_watermark: reading may pause and producers of its topics wait.
  void backlog_rose();
  void count_dropped(const Released& d, SlowConsumerPolicy policy);
  void close_slow_consumer(const char* why);
  void request_flush();
  void flush();
  // `queued`: the bytes queued before the write, the queue's high water.
  void count_written(const Released& r, std::uint32_t queued);
  void update_interest();

  // Endings.
  void fail(ProtocolError e);
  void send_close_frame(std::uint16_t code, std::string_view reason);
  void enter(ConnState next);  // a new phase: its deadline counts from now
  void begin_draining();
  void notify_closed(std::uint16_t code, std::string_view reason);
  // abort() but for on_close, which the before-sleep pass gives: for failures met inside an
  // application's own call (a send that writes through), which must not call it back.
  void cut(const char* why);
  void release_input_and_output();
  void close_transport();
  void schedule_timer();
  DeadlineInputs deadline_inputs() const;

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
    HeldInput held;
    std::uint64_t messages_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t messages_dropped = 0;
    std::uint64_t bytes_dropped = 0;
    std::uint32_t high_water = 0;
    std::uint32_t over_cap_since = 0;            // loop ms when the current at-cap episode began
    std::unique_ptr<ConnectionDeflate> deflate;  // once a message needs a zlib stream of its own
  };
  // After the handshake part is gone.
  Extras& extras() {
    if (Extras* e = phase_.get<Extras>()) [[likely]]
      return *e;
    return make_extras();
  }
  Extras& make_extras();

  Endpoint& ep_;
  Outbox outbox_;
  FrameParser parser_;
  MessageAssembler assembler_;
  // The handshake part lives only until the upgrade and the extras only after it: one word.
  mem::OwnedOneOf<ServerHandshake, ClientHandshake, Extras> phase_;
  void* user_data_ = nullptr;
  Transport transport_;
  // Loop times in milliseconds, truncated to 32 bits; differences stay right for 49 days.
  std::uint32_t last_heard_ = 0;   // last byte from the peer
  std::uint32_t phase_since_ = 0;  // the current state (or kept-alive wait) began
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
  push(frame.release_ownership(), tag, c);
}

[[gnu::always_inline]] inline void Connection::push(FrameBuffer* frame, std::uint32_t tag,
                                                    SendQueue::Charge charge) {
  if (outbox_.push(ep_, frame, tag, charge)) backlog_rose();
}

[[gnu::always_inline]] inline void Connection::request_flush() {
  EventLoop& loop = ep_.loop();
  // Inside a loop turn sends are corked: one write per connection when its own read is handled
  // (on_readable holds its deferrals) or before the loop sleeps.
  if (loop.dispatching()) {
    loop.defer(this);
  } else {
    flush();
  }
}

}  // namespace sluice::detail
