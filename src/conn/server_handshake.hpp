// ServerHandshake: a server connection's HTTP side before it upgrades (or instead of it). It
// owns the request reader and says what each request in the bytes it is fed asks for: wait for
// more, upgrade (the RFC 6455 §4.2.1 checks passed), a plain request for a route, or an answer
// after which the connection ends. No I/O: the connection acts on each step.
//
// A handshake lives from accept to upgrade, beside connections that live for hours, so it comes
// from a pool of its own (mem/slot_pool.hpp): a burst of handshakes, however many are in flight
// at once on a slow machine, then leaves no holes among the connections in the heap, and its
// pages go back to the system when the burst is over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "conn/deferred_answer.hpp"
#include "http/request_reader.hpp"

namespace sluice::detail {

class ServerHandshake final {
 public:
  static void* operator new(std::size_t size);
  static void operator delete(void* handshake);

  struct Step {
    enum class Kind : std::uint8_t {
      need_more,          // send_continue: answer "100 Continue" first
      upgrade,            // key() and head() hold the request
      request,            // request() holds it, body included
      respond_and_close,  // answer `status` with `reason`, then end the connection
    };
    Kind kind = Kind::need_more;
    std::size_t consumed = 0;  // bytes of the chunk that belonged to this request
    bool send_continue = false;
    int status = 0;
    const char* reason = "";
  };

  ServerHandshake(RequestLimits limits, mem::MemoryAccount& account) : reader_(limits, account) {}

  void set_remote_address(std::string_view address) { reader_.set_remote_address(address); }
  Step feed(std::span<const std::uint8_t> chunk);

  // After `upgrade` (views into the input, valid until the handshake is dropped).
  const RequestHead& head() const { return reader_.head(); }
  std::string_view key() const { return key_; }
  // After `request` (valid until next_request()).
  const HttpRequest& request() const { return reader_.request(); }
  bool keep_alive() const { return reader_.keep_alive(); }
  // The response went out and the connection stays: ready for the next request.
  void next_request() { reader_.reset(); }
  std::uint32_t requests_served() const { return reader_.requests_served(); }

  // After `request`, whose route answers later: the request's views end here, and the
  // connection keeps what it needs to write the answer and read on after it.
  DeferredAnswer& defer_answer(bool head_only, mem::MemoryAccount& account) {
    deferred_ = std::make_unique<DeferredAnswer>(head_only, reader_.keep_alive(), account);
    reader_.reset();
    return *deferred_;
  }
  DeferredAnswer* deferred() const { return deferred_.get(); }
  // The answer went out on a kept-alive connection: its unread bytes are the caller's to read.
  std::unique_ptr<DeferredAnswer> take_deferred() { return std::move(deferred_); }

 private:
  RequestReader reader_;
  std::unique_ptr<DeferredAnswer> deferred_;
  std::string_view key_;
};

}  // namespace sluice::detail
