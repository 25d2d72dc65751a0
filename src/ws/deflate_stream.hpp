// Deflater and Inflater: one zlib stream each for permessage-deflate (RFC 7692 §7.2), a message
// at a time. What zlib allocates goes through a MemoryAccount (the process budget), and the
// stream is made on first use and can be freed again between messages (release()), so that a
// connection that negotiated compression holds nothing for it until a message flows.
//
// A compressed message is the DEFLATE data of the whole message with the final empty stored
// block's 00 00 ff ff taken off the end (§7.2.1); the receiver puts it back before inflating.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "mem/memory_account.hpp"

namespace sluice::detail {

// What a stream's zlib allocations are charged to, and how much it holds now.
struct ZlibCharge {
  mem::MemoryAccount* account;
  std::size_t held = 0;
};

class Deflater {
 public:
  // `window_bits`: 9..15 (zlib makes no 8-bit windows).
  Deflater(mem::MemoryAccount& account, int window_bits) : charge_{&account}, window_bits_(window_bits) {}
  ~Deflater() { release(); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses `in` as one message into `out` (replacing it). `keep_context`: the next message
  // may refer back to this one (context takeover). False when zlib cannot (out of budget): the
  // message goes uncompressed, which is always allowed.
  bool compress(std::string_view in, std::string& out, bool keep_context);
  // Frees the stream; the next message makes a new one.
  void release();
  std::size_t held() const { return charge_.held; }

 private:
  ZlibCharge charge_;
  std::unique_ptr<z_stream> z_;
  int window_bits_;
};

class Inflater {
 public:
  enum class Result : std::uint8_t { ok, too_big, error };

  explicit Inflater(mem::MemoryAccount& account) : charge_{&account} {}
  ~Inflater() { release(); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates one message into `out` (replacing it), never past `limit` bytes: too_big as soon as
  // the message would pass it (a decompression bomb stops there); error on bad data or when the
  // budget refuses the stream. `keep_context`: the next message may refer back to this one.
  Result inflate(std::span<const std::uint8_t> in, std::string& out, std::size_t limit, bool keep_context);
  void release();
  std::size_t held() const { return charge_.held; }

 private:
  Result ended(const std::string& out, std::size_t limit, bool keep_context);
  Result fail(Result r);

  ZlibCharge charge_;
  std::unique_ptr<z_stream> z_;
};

}  // namespace sluice::detail
