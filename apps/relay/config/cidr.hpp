// IP addresses and CIDR ranges, for the configuration's "who may publish over HTTP" list
// (http_publish_from = ["127.0.0.0/8", "::1/128"]). An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers) is treated as the IPv4 address.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/parse_result.hpp"

namespace sluice::relay {

class IpAddress {
 public:
  enum class Family : std::uint8_t { v4, v6 };

  // Dotted-quad IPv4 or RFC 4291 IPv6 text, without brackets.
  static std::optional<IpAddress> parse(std::string_view text);
  // Network byte order: 4 bytes (IPv4) or 16 (IPv6, mapped IPv4 unwrapped); nullopt otherwise.
  static std::optional<IpAddress> from_bytes(std::span<const std::uint8_t> bytes);

  Family family() const { return family_; }
  // 4 or 16 bytes, network order.
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), family_ == Family::v4 ? 4u : 16u}; }
  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  IpAddress() = default;
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> bytes_{};
};

class Cidr {
 public:
  // "ADDRESS/PREFIX" or a bare address (a single host: /32 or /128). Bits set after the prefix
  // are refused ("127.0.0.1/8"), since they usually mean a typo.
  static ParseResult<Cidr> parse(std::string_view text);

  bool contains(const IpAddress& address) const;
  const IpAddress& network() const { return network_; }
  int prefix_length() const { return prefix_; }
  std::string to_string() const;

  friend bool operator==(const Cidr&, const Cidr&) = default;

 private:
  Cidr(IpAddress network, int prefix) : network_(network), prefix_(prefix) {}
  IpAddress network_;
  int prefix_;
};

// Whether any range of the list holds `address`.
bool any_contains(std::span<const Cidr> ranges, const IpAddress& address);

}  // namespace sluice::relay
