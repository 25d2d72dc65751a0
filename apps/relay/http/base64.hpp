// Base64 (RFC 4648 §4, standard alphabet, '=' padding) for binary payloads inside JSON: the
// "data_b64" field of an envelope, and binary bodies published over HTTP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::relay {

constexpr std::size_t base64_encoded_size(std::size_t bytes) { return (bytes + 2) / 3 * 4; }

// Appends the padded encoding of `bytes` to `out`.
void append_base64(std::string& out, std::span<const std::uint8_t> bytes);
std::string base64_encode(std::span<const std::uint8_t> bytes);

// Decodes padded or unpadded input; nullopt for a character outside the alphabet, a length
// that no encoding has, misplaced padding, or non-zero bits in the last character's unused
// part (so that every byte string has exactly one accepted encoding).
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace sluice::relay
