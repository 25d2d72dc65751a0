// ReceiveBuffer: the bytes received on a RawSocket and not yet consumed, in one buffer
// allocated up front. Consumed space is reclaimed by moving the rest to the front, and the
// buffer grows only when one message does not fit, so a client that reads steadily allocates
// nothing per frame (the send-path tests read on many threads at once at full rate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "raw_socket.hpp"

namespace sluice_test {

class ReceiveBuffer {
 public:
  explicit ReceiveBuffer(std::size_t capacity);

  std::string_view view() const { return {bytes_.data() + begin_, end_ - begin_}; }
  // The same bytes, writable (to unmask a payload in place).
  std::span<char> unread() { return {bytes_.data() + begin_, end_ - begin_}; }
  // Views of consumed bytes stay valid until the next fill() or reserve().
  void consume(std::size_t n) { begin_ += n; }
  void clear() { begin_ = end_; }
  // Makes room for a message of `n` bytes to be complete in the buffer at once.
  void reserve(std::size_t n);

  // Appends what arrives on `socket` before `deadline`; ok when something was received.
  ReadStatus fill(RawSocket& socket, Clock::time_point deadline);

  // Every byte received so far, consumed or not.
  std::uint64_t received() const { return received_; }

 private:
  std::vector<char> bytes_;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last received byte
  std::uint64_t received_ = 0;
};

}  // namespace sluice_test
