// Addresses are kept as bytes in network order; a range test compares whole bytes, then the
// masked bits of the byte the prefix ends in.
#include "config/cidr.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace sluice::relay {
namespace {

constexpr std::array<std::uint8_t, 12> mapped_prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool bits_after_prefix_are_zero(std::span<const std::uint8_t> bytes, int prefix) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const int bit = static_cast<int>(i) * 8;
    const int keep = std::clamp(prefix - bit, 0, 8);
    const auto mask = static_cast<std::uint8_t>(keep == 8 ? 0xFF : ~(0xFF >> keep));
    if ((bytes[i] & ~mask & 0xFF) != 0) return false;
  }
  return true;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string s(text);
  std::uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return from_bytes({buf, 4});
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return from_bytes({buf, 16});
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from_bytes(std::span<const std::uint8_t> bytes) {
  IpAddress a;
  if (bytes.size() == 16 && std::equal(mapped_prefix.begin(), mapped_prefix.end(), bytes.begin())) {
    bytes = bytes.subspan(12);
  }
  if (bytes.size() == 4) {
    a.family_ = Family::v4;
  } else if (bytes.size() == 16) {
    a.family_ = Family::v6;
  } else {
    return std::nullopt;
  }
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family_ == Family::v4 ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

ParseResult<Cidr> Cidr::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  const auto address = IpAddress::parse(address_text);
  if (!address) return ParseResult<Cidr>::failure(quoted(address_text) + " is not an IP address");
  const int max_prefix = address->family() == IpAddress::Family::v4 ? 32 : 128;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    prefix = 0;
    bool ok = !digits.empty() && digits.size() <= 3;
    for (char c : digits) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) prefix = prefix * 10 + (c - '0');
    }
    if (!ok || prefix > max_prefix) {
      return ParseResult<Cidr>::failure("prefix length in " + quoted(text) + " is not a number from 0 to " +
                                        std::to_string(max_prefix));
    }
  }
  if (!bits_after_prefix_are_zero(address->bytes(), prefix)) {
    return ParseResult<Cidr>::failure(quoted(text) + " has bits set after its /" + std::to_string(prefix) +
                                      " prefix; write the network address");
  }
  return Cidr(*address, prefix);
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.family() != network_.family()) return false;
  const auto a = address.bytes();
  const auto n = network_.bytes();
  const auto whole = static_cast<std::size_t>(prefix_ / 8);
  if (!std::equal(n.begin(), n.begin() + static_cast<std::ptrdiff_t>(whole), a.begin())) return false;
  const int rest = prefix_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (n[whole] & mask);
}

std::string Cidr::to_string() const { return network_.to_string() + "/" + std::to_string(prefix_); }

bool any_contains(std::span<const Cidr> ranges, const IpAddress& address) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const Cidr& r) { return r.contains(address); });
}

}  // namespace sluice::relay
