// The receive buffer that reclaims consumed space instead of allocating; see receive_buffer.hpp.
#include "receive_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace sluice_test {

ReceiveBuffer::ReceiveBuffer(std::size_t capacity) : bytes_(std::max<std::size_t>(capacity, 16)) {}

void ReceiveBuffer::reserve(std::size_t n) {
  if (n > bytes_.size()) bytes_.resize(n);
}

ReadStatus ReceiveBuffer::fill(RawSocket& socket, Clock::time_point deadline) {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0 && (end_ == bytes_.size() || begin_ > bytes_.size() / 2)) {
    std::memmove(bytes_.data(), bytes_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == bytes_.size()) bytes_.resize(bytes_.size() * 2);
  std::size_t got = 0;
  ReadStatus s = socket.receive(std::span<char>(bytes_).subspan(end_), deadline, got);
  end_ += got;
  received_ += got;
  return s;
}

}  // namespace sluice_test
