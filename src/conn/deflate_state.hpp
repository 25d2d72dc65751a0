// permessage-deflate on a connection (RFC 7692): ConnectionDeflate, what one connection agreed
// at its upgrade and the zlib streams that must carry a context from one message to the next,
// made on first use and hung off the connection's extras only when compression was negotiated;
// and SharedDeflate, an endpoint's streams for every message that starts afresh (one compressor
// per window size, one inflater), which is what lets a connection in shared mode hold no zlib
// memory at all, and a published message be compressed once per window size.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "mem/memory_account.hpp"
#include "sluice/compression.hpp"
#include "ws/deflate_offer.hpp"
#include "ws/deflate_stream.hpp"

namespace sluice::detail {

struct ConnectionDeflate {
  DeflateSide side;
  Compression mode = Compression::shared;
  std::unique_ptr<Deflater> deflater;  // dedicated mode, while our context carries over
  std::unique_ptr<Inflater> inflater;  // while the peer's context carries over

  // Our messages keep a context of their own (dedicated mode, and the peer agreed).
  bool own_context() const { return mode == Compression::dedicated && !side.send_no_context_takeover; }
  // Whether we compress at all: zlib cannot keep to an 8-bit window.
  bool compresses() const { return side.send_window_bits >= 9; }
};

class SharedDeflate {
 public:
  explicit SharedDeflate(mem::MemoryAccount& account) : account_(account), inflater_(account) {}

  // The compressor for messages that start afresh, for a window of `bits` (9..15).
  Deflater& deflater(int bits) {
    std::unique_ptr<Deflater>& d = deflaters_[static_cast<std::size_t>(bits - 9)];
    if (!d) d = std::make_unique<Deflater>(account_, bits);
    return *d;
  }
  Inflater& inflater() { return inflater_; }
  // Where a message is compressed or inflated to before it is framed or delivered.
  std::string& compressed() { return compressed_; }
  std::string& inflated() { return inflated_; }
  // After a delivery: a big inflated message's buffer is not kept.
  void trim() {
    if (inflated_.capacity() > kKept) std::string().swap(inflated_);
    if (compressed_.capacity() > kKept) std::string().swap(compressed_);
  }

 private:
  static constexpr std::size_t kKept = 64 * 1024;
  mem::MemoryAccount& account_;
  std::array<std::unique_ptr<Deflater>, 7> deflaters_;
  Inflater inflater_;
  std::string compressed_;
  std::string inflated_;
};

}  // namespace sluice::detail
