// permessage-deflate negotiation (RFC 7692 §5, §7.1): what a client offers in
// Sec-WebSocket-Extensions, what a server picks from the offers and answers, and what a client
// makes of that answer. Pure text in, parameters out; the zlib streams that act on the result
// are in deflate_stream.hpp.
//
// A server accepts the first offer it can meet and declines the others (an offer it cannot meet
// is never a failure): an offer with an unknown or repeated parameter or a bad value. A window
// of 8 bits for our compressor is agreed to and kept by not compressing at all (zlib writes 9-bit
// windows at least; an end may always send a message uncompressed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/compression.hpp"

namespace sluice::detail {

// What both ends agreed; the window sizes are log2 of the LZ77 window (8..15).
struct DeflateParams {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::uint8_t server_max_window_bits = 15;
  std::uint8_t client_max_window_bits = 15;

  friend bool operator==(const DeflateParams&, const DeflateParams&) = default;
};

// What one end's compressor and decompressor keep to, from its own side of DeflateParams.
struct DeflateSide {
  std::uint8_t send_window_bits = 15;  // 8: zlib cannot keep to it, nothing is compressed
  bool send_no_context_takeover = false;
  std::uint8_t receive_window_bits = 15;
  bool receive_no_context_takeover = false;

  static DeflateSide server(const DeflateParams& p) {
    return {p.server_max_window_bits, p.server_no_context_takeover, p.client_max_window_bits,
            p.client_no_context_takeover};
  }
  static DeflateSide client(const DeflateParams& p) {
    return {p.client_max_window_bits, p.client_no_context_takeover, p.server_max_window_bits,
            p.server_no_context_takeover};
  }
};

// The server's side: the parameters of the first acceptable permessage-deflate offer in
// `offers` (the Sec-WebSocket-Extensions values, joined by commas); nullopt when there is none.
// Shared mode asks both ends to drop their context after each message.
std::optional<DeflateParams> accept_deflate_offer(std::string_view offers, Compression mode);
// The Sec-WebSocket-Extensions value that answers an accepted offer.
std::string deflate_response(const DeflateParams& p);

// The client's side: the offer it sends.
std::string deflate_offer(Compression mode);
// The server's answer to that offer, checked: nullopt when it is not one the offer allows.
std::optional<DeflateParams> read_deflate_response(std::string_view answer, Compression mode);

}  // namespace sluice::detail
