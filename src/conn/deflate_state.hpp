// permessage-deflate on a connection (RFC 7692): ConnectionDeflate, the zlib streams of one
// connection that must carry a context from one message to the next, made on first use and hung
// off the connection's extras (what the upgrade agreed is kept in spare bits of the outbox and
// the assembler, so a connection that agreed holds nothing more until a message flows); and
// SharedDeflate, an endpoint's streams for every message that starts afresh (one compressor
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
  std::unique_ptr<Deflater> deflater;  // dedicated mode, while our context carries over
  std::unique_ptr<Inflater> inflater;  // while the peer's context carries over
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
