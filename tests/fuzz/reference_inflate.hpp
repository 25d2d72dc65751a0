// The frame fuzzers' reference for a compressed message (RFC 7692 §7.2.2): the message's bytes
// with 00 00 ff ff put back on the end, inflated by zlib in one call into one buffer of the
// largest size the message may have plus one byte, where the engine's Inflater inflates step by
// step into a growing string. A DEFLATE block with BFINAL set ends the sender's stream
// (§7.2.3.4 lets a sender flush that way): what follows it in the message is not read, and the
// next message starts a new stream over the same window when the context is kept.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"

namespace sluice::fuzz {

class ReferenceInflate {
 public:
  enum class Outcome : std::uint8_t {
    ok,
    too_big,  // the message inflates to more than the limit
    error,    // the data is not DEFLATE data
    // Bad data found after the output had passed the limit: which of the two a reader that
    // stops at the limit reports depends on where it stopped asking zlib.
    too_big_or_error,
  };

  ReferenceInflate() { FUZZ_CHECK(inflateInit2(&z_, -15) == Z_OK); }
  ~ReferenceInflate() { inflateEnd(&z_); }
  ReferenceInflate(const ReferenceInflate&) = delete;
  ReferenceInflate& operator=(const ReferenceInflate&) = delete;

  Outcome inflate(std::string_view message, std::size_t limit, bool keep_context, std::string& out) {
    std::string in(message);
    in.append("\x00\x00\xff\xff", 4);
    // DEFLATE makes at most 258 bytes of 2 bits (1032 per byte), so this room holds any
    // message that is not too big, without a buffer of max_message_size for each.
    const std::size_t room = std::min<std::size_t>(limit, in.size() * kMaxRatio) + 1;
    out.assign(room, '\0');
    z_.next_in = reinterpret_cast<Bytef*>(in.data());
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(room);
    const int r = ::inflate(&z_, Z_SYNC_FLUSH);
    out.resize(room - z_.avail_out);
    const bool past_limit = out.size() > limit;
    if (r == Z_STREAM_END) {
      if (past_limit) return reset(Outcome::too_big);
      keep_context ? inflateResetKeep(&z_) : inflateReset(&z_);
      return Outcome::ok;
    }
    // Only the limit may stop it short of the end of its input.
    FUZZ_CHECK(past_limit || r != Z_OK || z_.avail_in == 0);
    if (r != Z_OK && r != Z_BUF_ERROR) return reset(past_limit ? Outcome::too_big_or_error : Outcome::error);
    if (past_limit) return reset(Outcome::too_big);
    if (!keep_context) inflateReset(&z_);
    return Outcome::ok;
  }

 private:
  // After a failure the connection reads no more; the next stream the fuzzer feeds starts afresh.
  Outcome reset(Outcome o) {
    inflateReset(&z_);
    return o;
  }

  static constexpr std::size_t kMaxRatio = 1032;
  z_stream z_{};
};

}  // namespace sluice::fuzz
